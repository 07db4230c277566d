#!/usr/bin/python3
"""Verifies the DKIM signatures of one message with dkimpy (Debian's python3-dkim).

An implementation independent of the one that signed: quietlist signs in Rust, this
checks in Python. No DNS is asked: the one TXT record given on the command line is the
answer for <selector>._domainkey.<domain>, and any other name has no record.

    dkim_verify.py SELECTOR DOMAIN 'v=DKIM1; k=rsa; p=...' < message.eml

Exit status 0 and "signature ok" when every DKIM-Signature in the message verifies;
1 and dkimpy's reasons otherwise; 2 on bad usage.
"""

import logging
import sys

import dkim


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    selector, domain, record = sys.argv[1], sys.argv[2], sys.argv[3]
    wanted = f"{selector}._domainkey.{domain}.".lower()
    asked = []

    def dnsfunc(name, timeout=5):
        name = name.decode() if isinstance(name, bytes) else name
        asked.append(name)
        if name.lower().rstrip(".") + "." == wanted:
            return record.encode()
        return None

    message = sys.stdin.buffer.read()
    # dkimpy explains a failure only through its logger: keep what it says.
    reasons = []

    class Keep(logging.Handler):
        def emit(self, entry):
            reasons.append(entry.getMessage())

    logger = logging.getLogger("dkim_verify")
    logger.setLevel(logging.DEBUG)
    logger.addHandler(Keep())
    checker = dkim.DKIM(message, logger=logger)
    count = sum(1 for line in message.split(b"\n") if line.lower().startswith(b"dkim-signature:"))
    if count == 0:
        print("signature verification failed: no DKIM-Signature header")
        return 1
    failed = []
    for index in range(count):
        try:
            ok = checker.verify(idx=index, dnsfunc=dnsfunc)
        except dkim.DKIMException as e:
            ok = False
            reasons.append(f"{type(e).__name__}: {e}")
        if not ok:
            failed.append(index)
    if failed:
        print(f"signature verification failed for signature(s) {failed}; DNS names asked: {asked}")
        for reason in reasons:
            print(f"  {reason}")
        return 1
    print(f"signature ok ({count} signature(s))")
    return 0


if __name__ == "__main__":
    sys.exit(main())
