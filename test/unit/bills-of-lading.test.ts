/**
 * The names the hub gives stored documents (functions/domain/bills-of-lading.ts): whatever the
 * client calls a file, the name it is stored and downloaded under ends in the extension of the
 * type its bytes were checked as, and carries nothing that can disguise it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'vitest';
import { contentDisposition, safeFileName } from '../../functions/domain/bills-of-lading.ts';

const ID = `doc_${'a'.repeat(32)}`;

describe('safeFileName', () => {
  test('a name that claims another type keeps its stem and gets the checked extension', () => {
    assert.equal(safeFileName('BOL-7731.html', ID, 'pdf'), 'BOL-7731.pdf');
    assert.equal(safeFileName('invoice.exe', ID, 'pdf'), 'invoice.pdf');
    assert.equal(safeFileName('scan.pdf', ID, 'png'), 'scan.png');
  });

  test('a double extension hiding an executable loses the executable part', () => {
    assert.equal(safeFileName('BOL-7731.pdf.exe', ID, 'pdf'), 'BOL-7731.pdf');
    assert.equal(safeFileName('BOL-7731.exe.pdf', ID, 'pdf'), 'BOL-7731.exe.pdf');
  });

  test('a name already of the checked type is kept as it is, any spelling of that type included', () => {
    assert.equal(safeFileName('BOL 2026-0415.pdf', ID, 'pdf'), 'BOL 2026-0415.pdf');
    assert.equal(safeFileName('Scan.PDF', ID, 'pdf'), 'Scan.PDF');
    assert.equal(safeFileName('photo.jpeg', ID, 'jpg'), 'photo.jpeg');
    assert.equal(safeFileName('page.tif', ID, 'tiff'), 'page.tif');
  });

  test('a name without an extension gets the checked one; dotted numbers are not an extension', () => {
    assert.equal(safeFileName('BOL-7731', ID, 'pdf'), 'BOL-7731.pdf');
    assert.equal(safeFileName('BOL 2026.04.15', ID, 'pdf'), 'BOL 2026.04.15.pdf');
  });

  test('bidirectional overrides, isolates and marks are removed, so the name reads as it is', () => {
    assert.equal(safeFileName('BOL\u202Elmth.pdf', ID, 'pdf'), 'BOLlmth.pdf');
    assert.equal(safeFileName('BOL\u202Efdp.exe', ID, 'pdf'), 'BOLfdp.pdf');
    for (const c of ['\u202A', '\u202B', '\u202C', '\u202D', '\u2066', '\u2067', '\u2068', '\u2069', '\u200E', '\u200F', '\u061C']) {
      assert.equal(safeFileName(`BOL${c}-1.pdf`, ID, 'pdf'), 'BOL-1.pdf', `U+${c.codePointAt(0)!.toString(16).toUpperCase()}`);
    }
  });

  test('control characters, quotes and path characters are removed; only the last path segment is kept', () => {
    assert.equal(safeFileName('BOL\u0000\u0007\u001f\u007f\u0085-2.pdf', ID, 'pdf'), 'BOL-2.pdf');
    assert.equal(safeFileName('a"b;c.pdf', ID, 'pdf'), 'abc.pdf');
    assert.equal(safeFileName('../../etc/passwd', ID, 'pdf'), 'passwd.pdf');
    assert.equal(safeFileName('C:\\tickets\\BOL-3.pdf', ID, 'pdf'), 'BOL-3.pdf');
    assert.equal(safeFileName('tab\there\nnewline.pdf', ID, 'pdf'), 'tabherenewline.pdf');
  });

  test('leading dots and surrounding blanks are removed (no hidden files, no ".pdf" alone)', () => {
    assert.equal(safeFileName('.hidden BOL.pdf', ID, 'pdf'), 'hidden BOL.pdf');
    assert.equal(safeFileName('...BOL-4.pdf', ID, 'pdf'), 'BOL-4.pdf');
    assert.equal(safeFileName('  BOL-5.pdf  ', ID, 'pdf'), 'BOL-5.pdf');
    assert.equal(safeFileName('BOL-6. .pdf', ID, 'pdf'), 'BOL-6.pdf');
  });

  test('nothing left of the name: the document id with the checked extension', () => {
    for (const name of [undefined, '', '   ', '.pdf', '...', '\u202E', 'tickets/', '.exe', '.htaccess', '"";']) {
      assert.equal(safeFileName(name, ID, 'pdf'), `${ID}.pdf`, JSON.stringify(name));
    }
  });

  test('letters of any script are kept; the name is at most 200 characters and never cut inside a character', () => {
    assert.equal(safeFileName('Lieferschein Müller.pdf', ID, 'pdf'), 'Lieferschein Müller.pdf');
    assert.equal(safeFileName('提单-7731.html', ID, 'pdf'), '提单-7731.pdf');
    const long = safeFileName(`${'😀'.repeat(300)}.pdf`, ID, 'pdf');
    assert.ok([...long].length <= 200, `${[...long].length} characters`);
    assert.ok(long.endsWith('.pdf'));
    assert.equal(long, long.toWellFormed(), 'no lone surrogate');
  });
});

describe('contentDisposition', () => {
  test('an ASCII name: attachment with the quoted name alone', () => {
    assert.equal(contentDisposition('BOL-7731.pdf'), 'attachment; filename="BOL-7731.pdf"');
    assert.equal(contentDisposition('BOL 2026-0415.pdf'), 'attachment; filename="BOL 2026-0415.pdf"');
  });

  test('a non-ASCII name: an ASCII fallback (accents dropped, the rest as _) and filename* in UTF-8', () => {
    assert.equal(
      contentDisposition('Lieferschein Müller.pdf'),
      `attachment; filename="Lieferschein Muller.pdf"; filename*=UTF-8''Lieferschein%20M%C3%BCller.pdf`,
    );
    assert.equal(contentDisposition('提单.pdf'), `attachment; filename="__.pdf"; filename*=UTF-8''%E6%8F%90%E5%8D%95.pdf`);
  });

  test("filename* encodes every character outside RFC 8187's attr-char, the apostrophe and parentheses included", () => {
    assert.equal(
      contentDisposition("O'Brien (copy) ü*.pdf"),
      `attachment; filename="O'Brien (copy) u*.pdf"; filename*=UTF-8''O%27Brien%20%28copy%29%20%C3%BC%2A.pdf`,
    );
  });

  test('quotes and backslashes that reach it are escaped inside the quoted name', () => {
    assert.equal(contentDisposition('a"b\\c.pdf'), 'attachment; filename="a\\"b\\\\c.pdf"');
  });
});
