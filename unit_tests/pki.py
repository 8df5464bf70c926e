"""A small test PKI made with the openssl command: a CA, certificates it
signs, a self-signed one, an expired one. EC keys keep it fast."""

import os
import subprocess
import tempfile
import time

KEY_ARGS = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
            '-nodes']


def _run(*args, cwd):
    subprocess.run(('openssl',) + args, cwd=cwd, check=True,
                   capture_output=True)


def _read(cwd, name):
    with open(os.path.join(cwd, name)) as f:
        return f.read()


class PKI:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix='pki-')
        _run('req', '-x509', *KEY_ARGS, '-keyout', 'ca.key', '-out',
             'ca.crt', '-days', '2', '-subj', '/CN=Test CA', cwd=self.dir)
        self.ca = _read(self.dir, 'ca.crt')
        self._serial = 0

    def issue(self, cn, days=2, key=None):
        """(cert, key) for cn, signed by the CA; ``key`` reuses a key."""
        self._serial += 1
        name = 'leaf{}'.format(self._serial)
        if key:
            with open(os.path.join(self.dir, name + '.key'), 'w') as f:
                f.write(key)
            _run('req', '-new', '-key', name + '.key', '-out',
                 name + '.csr', '-subj', '/CN=' + cn, cwd=self.dir)
        else:
            _run('req', '-new', *KEY_ARGS, '-keyout', name + '.key',
                 '-out', name + '.csr', '-subj', '/CN=' + cn, cwd=self.dir)
        _run('x509', '-req', '-in', name + '.csr', '-CA', 'ca.crt',
             '-CAkey', 'ca.key', '-set_serial', str(self._serial),
             '-days', str(days), '-out', name + '.crt', cwd=self.dir)
        return _read(self.dir, name + '.crt'), _read(self.dir, name + '.key')

    def self_signed(self, cn):
        _run('req', '-x509', *KEY_ARGS, '-keyout', 'self.key', '-out',
             'self.crt', '-days', '2', '-subj', '/CN=' + cn, cwd=self.dir)
        return _read(self.dir, 'self.crt'), _read(self.dir, 'self.key')

    def expired(self, cn):
        """A CA-signed certificate whose validity ends as it begins."""
        cert, key = self.issue(cn, days=0)
        time.sleep(1.1)
        return cert, key
