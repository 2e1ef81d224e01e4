/**
 * `kyso` command line. A thin layer: it parses arguments, reads secrets and files, calls the server's
 * services or core, and turns every KysoError into one line on stderr with an exit code.
 */
import { KysoError, isKysoError } from '@kyso/core';
import { EXIT, exitCodeFor, type Out } from './cli-kit.ts';
import { caCommand } from './commands/ca.ts';
import { auditCommand } from './commands/audit.ts';
import { x509Command } from './commands/x509.ts';
import { demoCommand } from './commands/demo.ts';
import { servePkiCommand } from './commands/serve-pki.ts';
import { serveCommand } from './commands/serve.ts';
import { signCommand } from './commands/sign.ts';
import { verifyCommand } from './commands/verify.ts';

export const USAGE = `kyso — digital signatures for government agencies

Usage:
  kyso ca init   --dir DIR [--config ceremony.json] (--pass-env VAR | --pass-file FILE)
  kyso ca issue  --dir DIR --profile agency|official|service|tsa|ocsp --subject "CN=…,O=…"
                 [--uid CCCD:…|MST:…] [--agency-code 000.00.00.H41] [--csr req.pem] [--days N]
                 [--key rsa2048|rsa3072|rsa4096|p256|p384] --out PREFIX [--p12-pass-env VAR]
                 (--pass-env VAR | --pass-file FILE)
  kyso ca renew  --dir DIR --serial HEX [--days N] [--out PREFIX] (--pass-env VAR | --pass-file FILE)
  kyso ca rekey  --dir DIR --serial HEX [--csr req.pem [--out PREFIX] | --key K --p12-pass-env VAR --out PREFIX] (--pass-env …)
  kyso ca suspend|resume --dir DIR --serial HEX
  kyso ca revoke --dir DIR --serial HEX [--reason keyCompromise|affiliationChanged|superseded|…]
  kyso ca list   --dir DIR [--json] [--status good|suspended|revoked|expired] [--profile P] [--query TEXT]
  kyso ca chain  --dir DIR
  kyso ca log    --dir DIR [--verify]
  kyso audit verify [--data DIR] [--db URL]   (exit 0 intact, 65 broken: names the first bad entry)
  kyso audit export [--data DIR] [--db URL] [--out FILE] [--from SEQ]   (JSON Lines with prev_hash and hash)
  kyso x509 verify CERT.pem --trust ROOT.pem [--untrusted CHAIN.pem] [--crl FILE]… [--at ISO-TIME] [--json]
  kyso serve     [--data ./kyso-data] [--port 8080] [--host 127.0.0.1] [--db postgres://…] [--config FILE]
                 [--public-url URL] [--no-demo]   (secrets: KYSO_CA_PASSPHRASE, KYSO_SERVER_SECRET)
  kyso serve-pki --dir DIR [--port 8080] [--host 127.0.0.1] (--pass-env VAR | --pass-file FILE)
                 [--crl-period SECONDS] [--ocsp-validity SECONDS] [--poll-ms MS] [--workers N]
  kyso sign IN.pdf -o OUT.pdf (--p12 FILE --pass-env VAR | --pkcs11 MODULE --token LABEL --key-label L --pin-env VAR --cert CERT.pem)
                 [--level B-B|B-T|B-LT|B-LTA] [--tsa URL] [--preset official|agency|attachment|copy] [--image SIG.png]
                 [--seal SEAL.png --seal-mm 36] [--anchor TEXT | --page N --rect X,Y,W,H] [--doc-number "15/QĐ-UBND"]
                 [--doc-date D] [--agency-name TEXT] [--copy-form SY|SL|TrS] [--reason T] [--location T] [--certify 1|2|3]
                 [--lock all|FIELDS] [--field NAME] [--pdf-pass-env VAR] [--hash SHA-256|SHA-384|SHA-512] [--rsa-padding pkcs1|pss]
  kyso sign --batch IN_DIR -o OUT_DIR [--workers N] (same options)
  kyso sign FILE --cades -o FILE.p7s --p12 KEY.p12 (--pass-env VAR | --pass-file FILE) [--level B-B|B-T] [--tsa URL]
  kyso verify FILE.pdf [--trust ROOT.pem]… [--at ISO-TIME] [--offline] [--json] [--report OUT.pdf] [--lang vi|en]
                 [--pdf-pass-env VAR]   (exit 0 valid, 1 invalid, 2 indeterminate)
  kyso demo      [--dir ./kyso-data]

The CA passphrase (or PKCS#11 PIN) comes from --pass-env VAR, --pass-file FILE or KYSO_CA_PASSPHRASE.
`;

const stdio: Out = { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) };

export async function main(argv: string[], out: Out = stdio): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case 'ca': return await caCommand(rest, out);
      case 'audit': return await auditCommand(rest, out);
      case 'x509': return await x509Command(rest, out);
      case 'demo': return await demoCommand(rest, out);
      case 'serve': return await serveCommand(rest, out);
      case 'serve-pki': return await servePkiCommand(rest, out);
      case 'sign': return await signCommand(rest, out);
      case 'verify': return await verifyCommand(rest, out);
      case undefined: case 'help': case '--help': case '-h':
        out.stdout(USAGE);
        return cmd === undefined ? EXIT.usage : EXIT.ok;
      default:
        throw new KysoError('invalid-argument', `unknown command "${cmd}" (try kyso help)`);
    }
  } catch (e) {
    if (isKysoError(e)) {
      out.stderr(`kyso: ${e.message}\n`);
      return exitCodeFor(e);
    }
    out.stderr(`kyso: internal error: ${(e as Error)?.stack ?? String(e)}\n`);
    return EXIT.software;
  }
}
