#!/usr/bin/python3
"""A throwaway SMTP server for spetl's tests (Debian's python3-aiosmtpd).

    smtp-server.py --cert CERT --key KEY --user U --password P --maildir DIR
                   [--implicit-tls] [--no-auth]

Listens on 127.0.0.1, a free port, and prints "listening on 127.0.0.1:PORT".
Plain SMTP on that port offers STARTTLS and requires it before AUTH and MAIL;
--implicit-tls speaks TLS from the first byte (smtps://) instead. AUTH PLAIN
and LOGIN accept only U / P and are required before MAIL (--no-auth: no AUTH
at all). Each message received is written to DIR as N.eml (the data as sent),
with N.json beside it: the envelope, whether TLS was on and who logged in;
the .json is written last, so a test waits for it. Each AUTH attempt is
appended to DIR/auth.log ("ok USER" / "refused USER"). Runs until SIGTERM.
"""
import argparse
import asyncio
import json
import logging
import os
import signal
import ssl
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult


class Saver:
    def __init__(self, maildir, implicit_tls):
        self.maildir = maildir
        self.implicit_tls = implicit_tls
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.maildir, str(self.count))
        with open(base + ".eml", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": self.implicit_tls or session.ssl is not None,
            "login": session.auth_data.login.decode() if session.auth_data is not None else None,
        }
        with open(base + ".tmp", "w") as f:
            json.dump(meta, f)
        os.rename(base + ".tmp", base + ".json")
        return "250 OK: message accepted"


def make_authenticator(user, password, maildir):
    def check(server, session, envelope, mechanism, auth_data):
        login = auth_data.login.decode(errors="replace")
        ok = login == user and auth_data.password.decode(errors="replace") == password
        with open(os.path.join(maildir, "auth.log"), "a") as f:
            f.write("%s %s %s\n" % ("ok" if ok else "refused", mechanism, login))
        return AuthResult(success=ok, handled=False, auth_data=auth_data)
    return check


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--user", default="spetl")
    ap.add_argument("--password", default="")
    ap.add_argument("--maildir", required=True)
    ap.add_argument("--implicit-tls", action="store_true")
    ap.add_argument("--no-auth", action="store_true")
    args = ap.parse_args()
    warnings.simplefilter("ignore")   # aiosmtpd's notes on settings the tests choose
    logging.getLogger("mail.log").setLevel(logging.CRITICAL)

    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(args.cert, args.key)
    handler = Saver(args.maildir, args.implicit_tls)
    kwargs = {}
    if not args.no_auth:
        kwargs = dict(authenticator=make_authenticator(args.user, args.password, args.maildir),
                      auth_required=True, auth_require_tls=True)
    if args.implicit_tls:
        if not args.no_auth:
            kwargs["auth_require_tls"] = False   # the whole connection is TLS
        factory = lambda: SMTP(handler, hostname="smtp-test.invalid", **kwargs)
        tls_server = ctx
    else:
        factory = lambda: SMTP(handler, hostname="smtp-test.invalid", tls_context=ctx,
                               require_starttls=True, **kwargs)
        tls_server = None

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(loop.create_server(factory, "127.0.0.1", 0, ssl=tls_server))
    port = server.sockets[0].getsockname()[1]
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    loop.add_signal_handler(signal.SIGINT, loop.stop)
    sys.stdout.write("listening on 127.0.0.1:%d\n" % port)
    sys.stdout.flush()
    loop.run_forever()
    server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
