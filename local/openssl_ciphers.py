"""What the local OpenSSL makes of a cipher list, for the TLS tests of
both tiers (the rendered profile in unit tests, a client's scan in
func-local)."""

import subprocess


def described(cipher_list):
    """{name: {'Kx': ..., 'Au': ..., 'Enc': ..., 'Mac': ...}} of every
    suite before TLS 1.3 that ``openssl ciphers -v`` finds in
    ``cipher_list``."""
    out = subprocess.run(
        ['openssl', 'ciphers', '-v', '-ciphersuites', '', cipher_list],
        capture_output=True, text=True, check=True).stdout
    table = {}
    for line in out.splitlines():
        name, _version, *fields = line.split()
        table[name] = dict(field.split('=', 1) for field in fields)
    return table
