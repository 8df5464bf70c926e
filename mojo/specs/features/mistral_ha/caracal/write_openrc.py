#!/usr/bin/env python3
"""Mojo script: the cloud admin's openrc, taken from the model
(overcloud.py: Keystone's URL as Keystone gave it to Mistral, its CA when
that is https), written to MISTRAL_OPENRC for the verify scripts."""

import os

import mistral_endpoint
import overcloud

if __name__ == '__main__':
    mistral_endpoint.write_openrc(
        os.environ['MISTRAL_OPENRC'], overcloud.admin_credentials(
            os.environ.get('MISTRAL_APPLICATION', 'mistral')))
