// A tiny, strict XML 1.0 reader for the JUnit tests: enough to prove well-formedness (balanced
// tags, quoted attributes, known entities only, no raw '<' or '&', only characters XML 1.0
// allows) and to walk the tree. Not a general parser: no DTD, no CDATA, no comments, no PIs
// other than the XML declaration.

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Concatenated character data directly inside this element (entities decoded). */
  text: string;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.:-]*/;
const VALID_CHARS = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;

function decode(raw: string, where: string): string {
  if (raw.includes('<')) throw new Error(`raw '<' in ${where}`);
  return raw.replace(/&([^;]*);|&/g, (whole, ent: string | undefined) => {
    if (ent === undefined) throw new Error(`raw '&' in ${where}`);
    switch (ent) {
      case 'amp':
        return '&';
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
    }
    const m = /^#(?:x([0-9A-Fa-f]+)|([0-9]+))$/.exec(ent);
    if (!m) throw new Error(`unknown entity &${ent}; in ${where}`);
    const cp = m[1] !== undefined ? parseInt(m[1], 16) : parseInt(m[2], 10);
    const ch = String.fromCodePoint(cp);
    if (!VALID_CHARS.test(ch)) throw new Error(`character reference to an invalid character in ${where}`);
    return ch;
  });
}

export function parseXml(doc: string): XmlElement {
  if (!VALID_CHARS.test(doc)) throw new Error('document holds characters XML 1.0 does not allow');
  let i = 0;
  const decl = /^<\?xml version="1\.0" encoding="UTF-8"\?>\n?/.exec(doc);
  if (decl) i = decl[0].length;

  const skipSpace = () => {
    while (i < doc.length && /\s/.test(doc[i])) i++;
  };

  function element(): XmlElement {
    if (doc[i] !== '<') throw new Error(`expected '<' at ${i}`);
    i++;
    const name = NAME.exec(doc.slice(i))?.[0];
    if (!name) throw new Error(`expected an element name at ${i}`);
    i += name.length;
    const el: XmlElement = { name, attrs: {}, children: [], text: '' };
    for (;;) {
      const before = i;
      skipSpace();
      if (doc.startsWith('/>', i)) {
        i += 2;
        return el;
      }
      if (doc[i] === '>') {
        i++;
        break;
      }
      if (i === before) throw new Error(`expected whitespace before an attribute at ${i}`);
      const attr = NAME.exec(doc.slice(i))?.[0];
      if (!attr) throw new Error(`expected an attribute name at ${i}`);
      i += attr.length;
      if (doc[i] !== '=' || (doc[i + 1] !== '"' && doc[i + 1] !== "'")) throw new Error(`expected ="…" after ${attr}`);
      const quote = doc[i + 1];
      const end = doc.indexOf(quote, i + 2);
      if (end === -1) throw new Error(`unterminated attribute ${attr}`);
      if (attr in el.attrs) throw new Error(`duplicate attribute ${attr} on <${name}>`);
      el.attrs[attr] = decode(doc.slice(i + 2, end), `attribute ${attr}`);
      i = end + 1;
    }
    for (;;) {
      const lt = doc.indexOf('<', i);
      if (lt === -1) throw new Error(`unclosed <${name}>`);
      el.text += decode(doc.slice(i, lt), `<${name}> content`);
      i = lt;
      if (doc.startsWith('</', i)) {
        const close = `</${name}>`;
        if (!doc.startsWith(close, i)) throw new Error(`mismatched close tag at ${i}, expected ${close}`);
        i += close.length;
        return el;
      }
      if (doc.startsWith('<!', i) || doc.startsWith('<?', i)) throw new Error(`unsupported markup at ${i}`);
      el.children.push(element());
    }
  }

  skipSpace();
  const root = element();
  skipSpace();
  if (i !== doc.length) throw new Error(`content after the root element at ${i}`);
  return root;
}

export function childrenNamed(el: XmlElement, name: string): XmlElement[] {
  return el.children.filter((c) => c.name === name);
}
