#!/usr/bin/env python3
"""Vault made ready with no hand step, for the bundles that get their
certificates from it: initialise it, unseal every unit, authorize the
charm and have it generate its root CA, then wait until the applications
it certifies hold that CA and the model settles. The configure step of
tests.yaml (bundles without vault are left alone), and the Mojo spec's
vault script (mojo/, run as a script).

What zaza.openstack.charm_tests.vault.setup.auto_initialize does in
OpenStack's CI, which signs an intermediate CA itself; zaza-openstack-tests
is not on PyPI, so this uses zaza, the vault charm's actions
(authorize-charm, get-root-ca, generate-root-ca: charm-vault's
actions.yaml) and Vault's HTTP API (sys/init, sys/seal-status,
sys/unseal, auth/token/create). It imports nothing else of the suite.
Vault's unseal key and root token are kept in zaza's directory for the
model (mode 0600), so that a rerun on a kept model can unseal again.
"""

import json
import logging
import os

import requests

import zaza.charm_lifecycle.utils as lifecycle_utils
import zaza.model
import zaza.utilities.deployment_env as deployment_env

VAULT_APP = 'vault'
# charm-vault serves its API over http until its ssl-* options are set.
VAULT_PORT = 8200
KEYS_FILE = 'vault-keys.json'
HTTP_TIMEOUT = 30
# Where each charm the bundles relate to vault:certificates keeps the CA:
# charm-keystone through charmhelpers' cert_utils, this charm as
# layers/openstack-base (tls.ca_path) writes it.
CA_FILES = {
    'keystone': '/usr/local/share/ca-certificates/vault_juju_ca_cert.crt',
    'mistral': '/usr/local/share/ca-certificates/mistral_ca.crt',
}
TIMEOUT = 1800


def vault_url(address):
    if ':' in address:
        address = '[{}]'.format(address)
    return 'http://{}:{}/v1'.format(address, VAULT_PORT)


def initialise(url, keys_path):
    """Vault's unseal keys and root token: a first initialisation's,
    saved to keys_path, or those saved there before."""
    if not requests.get(url + '/sys/init',
                        timeout=HTTP_TIMEOUT).json()['initialized']:
        answer = requests.put(url + '/sys/init', json={
            'secret_shares': 1, 'secret_threshold': 1},
            timeout=HTTP_TIMEOUT)
        answer.raise_for_status()
        fd = os.open(keys_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with open(fd, 'w') as out:
            json.dump(answer.json(), out)
    try:
        with open(keys_path) as saved:
            return json.load(saved)
    except FileNotFoundError:
        raise RuntimeError('vault was initialised by someone else: its '
                           'keys are not in {}'.format(keys_path)) from None


def unseal(url, keys):
    for key in keys['keys']:
        if not requests.get(url + '/sys/seal-status',
                            timeout=HTTP_TIMEOUT).json()['sealed']:
            return
        requests.put(url + '/sys/unseal', json={'key': key},
                     timeout=HTTP_TIMEOUT).raise_for_status()


def charm_token(url, root_token):
    """A token for authorize-charm, which the charm uses once to make its
    own AppRole: short-lived, as the deployment guide's `vault token
    create -ttl=10m`."""
    answer = requests.post(url + '/auth/token/create', json={'ttl': '10m'},
                           headers={'X-Vault-Token': root_token},
                           timeout=HTTP_TIMEOUT)
    answer.raise_for_status()
    return answer.json()['auth']['client_token']


def action_output(action, model_name, **params):
    done = zaza.model.run_action_on_leader(
        VAULT_APP, action, model_name=model_name, action_params=params,
        raise_on_failure=True)
    return done.data['results'].get('output')


def certified(status):
    """The applications related to vault's certificates endpoint whose
    CA file is known."""
    relations = status.applications[VAULT_APP].get('relations') or {}
    return [app for app in relations.get('certificates', [])
            if app in CA_FILES]


def auto_initialize(model_name=None, states=None):
    """Initialise, unseal and authorize vault, give it a root CA, and
    wait for its clients and the model (``states``: zaza's
    target_deploy_status, by default tests.yaml's)."""
    status = zaza.model.get_status(model_name=model_name)
    if VAULT_APP not in status.applications:
        logging.info('No vault in the model: nothing to initialise')
        return
    if states is None:
        states = lifecycle_utils.get_charm_config(fatal=False).get(
            'target_deploy_status', {})
    urls = [vault_url(unit.public_address) for unit in
            zaza.model.get_units(VAULT_APP, model_name=model_name)]
    keys = initialise(urls[0], os.path.join(
        deployment_env.get_tmpdir(model_name), KEYS_FILE))
    for url in urls:
        unseal(url, keys)
    action_output('authorize-charm', model_name,
                  token=charm_token(urls[0], keys['root_token']))
    ca = (action_output('get-root-ca', model_name) or
          action_output('generate-root-ca', model_name))
    for app in certified(status):
        logging.info('Waiting for the root CA on %s', app)
        zaza.model.block_until_file_has_contents(
            app, CA_FILES[app], ca.strip(), model_name=model_name,
            timeout=TIMEOUT)
    zaza.model.wait_for_application_states(model_name=model_name,
                                           states=states, timeout=TIMEOUT)


if __name__ == '__main__':
    logging.basicConfig(level=logging.INFO)
    auto_initialize(states={})
