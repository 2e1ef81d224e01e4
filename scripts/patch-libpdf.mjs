#!/usr/bin/env node
// Patches the parser defects of @libpdf/core 0.4.2 in node_modules/@libpdf/core/dist/index.mjs
// (run as the root postinstall). Why each patch exists: docs/adr/0005-libpdf-patches.md.
//
//   node scripts/patch-libpdf.mjs                      apply what is missing (idempotent)
//   node scripts/patch-libpdf.mjs --check              exit 1 if any patch is missing, change nothing
//   node scripts/patch-libpdf.mjs --package-dir <dir>  work on another copy of the package
//
// Each patch is a list of hunks; a hunk is an exact snippet of the 0.4.2 bundle and its replacement,
// and every replacement carries the marker /* kyso-patch:<name> */ exactly once. A patch whose
// markers are all present is skipped; a snippet that is not found exactly once stops the script
// with exit 1 and nothing is written. Plain Node, no dependencies.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const EXPECTED_VERSION = '0.4.2';

const marker = (name) => `/* kyso-patch:${name} */`;
const lines = (...ls) => ls.join('\n');

/** @type {{ name: string, why: string, hunks: { original: string, replacement: string }[] }[]} */
export const PATCHES = [
  {
    name: 'xref-w8',
    why: 'xref stream /W field widths up to 8 bytes (the fields are read with *256, exact below 2^53)',
    hunks: [
      {
        original: 'const MAX_FIELD_WIDTH = 6;',
        replacement: `const MAX_FIELD_WIDTH = 8; ${marker('xref-w8')}`,
      },
      {
        // With 8-byte fields a value can exceed 2^53 and would be rounded: refuse it rather than
        // follow a rounded offset (no real file is 8 PiB).
        original: 'for (let j = 0; j < w3; j++) field3 = field3 * 256 + decodedData[dataOffset++];',
        replacement: lines(
          'for (let j = 0; j < w3; j++) field3 = field3 * 256 + decodedData[dataOffset++];',
          `\t\t\tif (!Number.isSafeInteger(entryType) || !Number.isSafeInteger(field2) || !Number.isSafeInteger(field3)) throw new XRefParseError(\`XRef stream entry for object \${objNum} exceeds 2^53\`); ${marker('xref-w8')}`,
        ),
      },
    ],
  },
  {
    name: 'xrefstm-order',
    why: "hybrid files: a section's own table entries before its /XRefStm entries, then /Prev (ISO 32000-1 §7.5.8.4)",
    hunks: [
      {
        original: lines(
          '\t\t\t\tconst xrefData = xrefParser.parseAt(offset);',
          '\t\t\t\tconst xrefStmOffset = xrefData.trailer.getNumber("XRefStm")?.value;',
          '\t\t\t\tif (xrefStmOffset !== void 0 && !visited.has(xrefStmOffset)) {',
          '\t\t\t\t\tvisited.add(xrefStmOffset);',
          '\t\t\t\t\ttry {',
          '\t\t\t\t\t\tconst stmData = xrefParser.parseAt(xrefStmOffset);',
          '\t\t\t\t\t\tfor (const [objNum, entry] of stmData.entries) if (!combinedXRef.has(objNum)) combinedXRef.set(objNum, entry);',
          '\t\t\t\t\t} catch (error) {',
          '\t\t\t\t\t\tconst message = error instanceof Error ? error.message : String(error);',
          '\t\t\t\t\t\tthis.warnings.push(`Error parsing /XRefStm at ${xrefStmOffset}: ${message}`);',
          '\t\t\t\t\t}',
          '\t\t\t\t}',
          '\t\t\t\tfor (const [objNum, entry] of xrefData.entries) if (!combinedXRef.has(objNum)) combinedXRef.set(objNum, entry);',
        ),
        replacement: lines(
          '\t\t\t\tconst xrefData = xrefParser.parseAt(offset);',
          `\t\t\t\t${marker('xrefstm-order')} // table, then /XRefStm, then /Prev; a free table entry does not hide the same section's stream entry (hidden objects)`,
          '\t\t\t\tconst kysoSectionFree = [];',
          '\t\t\t\tfor (const [objNum, entry] of xrefData.entries) {',
          '\t\t\t\t\tif (entry.type === "free") kysoSectionFree.push([objNum, entry]);',
          '\t\t\t\t\telse if (!combinedXRef.has(objNum)) combinedXRef.set(objNum, entry);',
          '\t\t\t\t}',
          '\t\t\t\tconst xrefStmOffset = xrefData.trailer.getNumber("XRefStm")?.value;',
          '\t\t\t\tif (xrefStmOffset !== void 0 && !visited.has(xrefStmOffset)) {',
          '\t\t\t\t\tvisited.add(xrefStmOffset);',
          '\t\t\t\t\ttry {',
          '\t\t\t\t\t\tconst stmData = xrefParser.parseAt(xrefStmOffset);',
          '\t\t\t\t\t\tfor (const [objNum, entry] of stmData.entries) if (!combinedXRef.has(objNum)) combinedXRef.set(objNum, entry);',
          '\t\t\t\t\t} catch (error) {',
          '\t\t\t\t\t\tconst message = error instanceof Error ? error.message : String(error);',
          '\t\t\t\t\t\tthis.warnings.push(`Error parsing /XRefStm at ${xrefStmOffset}: ${message}`);',
          '\t\t\t\t\t}',
          '\t\t\t\t}',
          '\t\t\t\tfor (const [objNum, entry] of kysoSectionFree) if (!combinedXRef.has(objNum)) combinedXRef.set(objNum, entry);',
        ),
      },
    ],
  },
  {
    name: 'xref-space-padded',
    why: 'classic xref entries whose 10-digit offsets are padded with spaces instead of zeros (qpdf and pyHanko lenient read them)',
    hunks: [
      {
        original: '\t\t\tif (byte < 48 || byte > 57) throw new XRefParseError(`Expected digit, got ${String.fromCharCode(byte)}`);',
        replacement: lines(
          `\t\t\tif (byte === 32 && value === 0) { this.scanner.advance(); continue; } ${marker('xref-space-padded')}`,
          '\t\t\tif (byte < 48 || byte > 57) throw new XRefParseError(`Expected digit, got ${String.fromCharCode(byte)}`);',
        ),
      },
    ],
  },
  {
    name: 'stray-delimiter',
    why: 'a stray ")", "{" or "}" in an object made readKeyword return an empty keyword without consuming it; the recovering object parser then looped and allocated until the process ran out of memory (found by npm run fuzz -- verify)',
    hunks: [
      {
        original: lines(
          '\treadKeyword(position) {',
          '\t\tconst start = this.scanner.position;',
          '\t\twhile (isRegularChar(this.scanner.peek())) this.scanner.advance();',
        ),
        replacement: lines(
          '\treadKeyword(position) {',
          '\t\tconst start = this.scanner.position;',
          '\t\twhile (isRegularChar(this.scanner.peek())) this.scanner.advance();',
          `\t\tif (this.scanner.position === start && this.scanner.peek() !== -1) this.scanner.advance(); ${marker('stray-delimiter')}`,
        ),
      },
    ],
  },
  {
    name: 'xref-ws',
    why: 'startxref or /Prev pointing at PDF whitespace (NUL TAB LF FF CR SP) before the xref section',
    hunks: [
      {
        original: lines(
          '\tparseAt(offset) {',
          '\t\tthis.scanner.moveTo(offset);',
        ),
        replacement: lines(
          '\tparseAt(offset) {',
          `\t\twhile (offset < this.scanner.bytes.length && isWhitespace$1(this.scanner.bytes[offset])) offset++; ${marker('xref-ws')}`,
          '\t\tthis.scanner.moveTo(offset);',
        ),
      },
      {
        original: lines(
          '\tdetectXRefFormat(offset) {',
          '\t\tthis.scanner.moveTo(offset);',
        ),
        replacement: lines(
          '\tdetectXRefFormat(offset) {',
          `\t\twhile (offset < this.scanner.bytes.length && isWhitespace$1(this.scanner.bytes[offset])) offset++; ${marker('xref-ws')}`,
          '\t\tthis.scanner.moveTo(offset);',
        ),
      },
    ],
  },
  {
    name: 'sig-contents',
    why: 'the /Contents of a signature dictionary is never encrypted (ISO 32000-2 §7.6.2): neither decrypt it on read nor encrypt it on write',
    hunks: [
      {
        // Read side (buildDocument's decryptObject). /Type is optional in a /Sig dictionary, so a
        // dictionary with a /ByteRange array and a /Contents string counts too (as in PDFBox, PDFBOX-4466).
        original: lines(
          '\t\t\t\tif (obj instanceof PdfDict) {',
          '\t\t\t\t\tconst decryptedDict = new PdfDict();',
          '\t\t\t\t\tfor (const [key, value] of obj) decryptedDict.set(key.value, decryptObject(value, objNum, genNum));',
        ),
        replacement: lines(
          '\t\t\t\tif (obj instanceof PdfDict) {',
          '\t\t\t\t\tconst decryptedDict = new PdfDict();',
          `\t\t\t\t\tconst kysoType = obj.getName("Type")?.value; ${marker('sig-contents')}`,
          '\t\t\t\t\tconst kysoIsSig = kysoType === "Sig" || kysoType === "DocTimeStamp" || obj.get("ByteRange") instanceof PdfArray && obj.get("Contents") instanceof PdfString;',
          '\t\t\t\t\tfor (const [key, value] of obj) decryptedDict.set(key.value, kysoIsSig && key.value === "Contents" ? value : decryptObject(value, objNum, genNum));',
        ),
      },
      {
        // Write side (writer's encryptObject), so that a signature dictionary read through the
        // patched reader is written back byte-identical.
        original: lines(
          '\tif (obj instanceof PdfDict) {',
          '\t\tconst encrypted = new PdfDict();',
          '\t\tfor (const [key, value] of obj) encrypted.set(key.value, encryptObject(value, ctx));',
        ),
        replacement: lines(
          '\tif (obj instanceof PdfDict) {',
          '\t\tconst encrypted = new PdfDict();',
          `\t\tconst kysoType = obj.getName("Type")?.value; ${marker('sig-contents')}`,
          '\t\tconst kysoIsSig = kysoType === "Sig" || kysoType === "DocTimeStamp" || obj.get("ByteRange") instanceof PdfArray && obj.get("Contents") instanceof PdfString;',
          '\t\tfor (const [key, value] of obj) encrypted.set(key.value, kysoIsSig && key.value === "Contents" ? value : encryptObject(value, ctx));',
        ),
      },
    ],
  },
  {
    name: 'encrypt-dict',
    why: 'the strings of the /Encrypt dictionary are never encrypted (ISO 32000-2 §7.6.2): resolving it must not decrypt /O, /U, /OE, /UE, /Perms',
    hunks: [
      {
        original: '\t\t\t\t\t\tif (securityHandler?.isAuthenticated) obj = decryptObject(obj, ref.objectNumber, ref.generation);',
        replacement: lines(
          `\t\t\t\t\t\tconst kysoEncryptRef = trailer.getRef("Encrypt"); ${marker('encrypt-dict')}`,
          '\t\t\t\t\t\tconst kysoIsEncryptDict = kysoEncryptRef !== void 0 && kysoEncryptRef.objectNumber === ref.objectNumber && kysoEncryptRef.generation === ref.generation;',
          '\t\t\t\t\t\tif (securityHandler?.isAuthenticated && !kysoIsEncryptDict) obj = decryptObject(obj, ref.objectNumber, ref.generation);',
        ),
      },
    ],
  },
];

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function countOf(haystack, needle) {
  let n = 0;
  for (let i = haystack.indexOf(needle); i !== -1; i = haystack.indexOf(needle, i + needle.length)) n++;
  return n;
}

/**
 * Works out, per patch, whether it is applied, missing, or in a state we cannot handle.
 * Returns the patched text (for the missing ones) without writing anything.
 */
export function planPatches(source) {
  let text = source;
  const results = [];
  for (const patch of PATCHES) {
    const m = marker(patch.name);
    for (const h of patch.hunks) {
      if (countOf(h.replacement, m) !== 1) throw new Error(`kyso-patch ${patch.name}: a replacement must carry ${m} exactly once`);
    }
    const present = countOf(text, m);
    if (present === patch.hunks.length) {
      results.push({ name: patch.name, state: 'already applied' });
      continue;
    }
    if (present !== 0) {
      results.push({ name: patch.name, state: 'error', message: `partially applied (${present} of ${patch.hunks.length} markers); reinstall @libpdf/core` });
      continue;
    }
    const problems = [];
    for (const [i, h] of patch.hunks.entries()) {
      const n = countOf(text, h.original);
      if (n !== 1) problems.push(`hunk ${i + 1}: original snippet found ${n} times (expected once)`);
    }
    if (problems.length > 0) {
      results.push({ name: patch.name, state: 'error', message: problems.join('; ') });
      continue;
    }
    for (const h of patch.hunks) text = text.replace(h.original, () => h.replacement);
    results.push({ name: patch.name, state: 'missing' });
  }
  return { text, results };
}

function main(argv) {
  const check = argv.includes('--check');
  const dirArg = argv.indexOf('--package-dir');
  const pkgDir = dirArg !== -1 && argv[dirArg + 1] ? resolve(argv[dirArg + 1]) : join(repoRoot, 'node_modules', '@libpdf', 'core');
  const pkgJson = join(pkgDir, 'package.json');
  const dist = join(pkgDir, 'dist', 'index.mjs');
  if (!existsSync(pkgJson) || !existsSync(dist)) {
    console.error(`patch-libpdf: @libpdf/core not found at ${pkgDir} (run npm install first)`);
    return 1;
  }
  const version = JSON.parse(readFileSync(pkgJson, 'utf8')).version;
  if (version !== EXPECTED_VERSION) {
    console.error(`patch-libpdf: @libpdf/core is ${version}, but these patches are for exactly ${EXPECTED_VERSION}; `
      + 'pin it back or port the patches (docs/adr/0005-libpdf-patches.md)');
    return 1;
  }
  const source = readFileSync(dist, 'utf8');
  const { text, results } = planPatches(source);
  let failed = false;
  for (const r of results) {
    if (r.state === 'error') {
      failed = true;
      console.error(`kyso-patch ${r.name}: FAILED, ${r.message}`);
    } else if (check) {
      if (r.state === 'missing') failed = true;
      console.log(`kyso-patch ${r.name}: ${r.state === 'missing' ? 'MISSING' : 'ok'}`);
    } else {
      console.log(`kyso-patch ${r.name}: ${r.state === 'missing' ? 'applied' : 'already applied'}`);
    }
  }
  if (failed) {
    if (check) console.error('patch-libpdf: run `node scripts/patch-libpdf.mjs` (or npm install) to apply the patches');
    else console.error('patch-libpdf: nothing written');
    return 1;
  }
  if (!check && text !== source) {
    // Write beside and rename, so a concurrent reader never sees half a file.
    const tmp = `${dist}.kyso-${process.pid}.tmp`;
    writeFileSync(tmp, text);
    renameSync(tmp, dist);
  }
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = main(process.argv.slice(2));
}
