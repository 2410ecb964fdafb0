"""The line habits of dmo_nb's notebooks: one statement a line, lines of at most about 120 characters.

    python tools/lines.py                 # report, per notebook, the code lines that break them
    python tools/lines.py --fix           # split `a; b` into lines (and `if x: a; b` into a block), in place

Only code cells are read; a trailing `;` that hides a notebook cell's output is left alone. A long line that is a
header with its body (`if bad: raise ValueError(...)`) becomes a block; other long lines are reported, not rewrapped:
how to break one is a judgement a tool should not make.
"""
import argparse, io, json, re, sys, tokenize
from pathlib import Path

COMPOUND = {'if', 'elif', 'else', 'for', 'while', 'with', 'try', 'except', 'finally', 'def', 'class'}
LIMIT = 120

def _tokens(src:str):
    try: return list(tokenize.generate_tokens(io.StringIO(src).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError): return None

def semicolons(src:str)->dict:
    "Line number -> (columns of statement-separating `;`, column of a same-line header's `:` or None)."
    toks = _tokens(src)
    if toks is None: return {}
    out, depth, first, colon = {}, 0, {}, {}
    for t in toks:
        row, col = t.start
        if t.type == tokenize.OP and t.string in '([{': depth += 1
        elif t.type == tokenize.OP and t.string in ')]}': depth -= 1
        if t.type in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT): continue
        if row not in first: first[row] = t
        if depth == 0 and t.type == tokenize.OP and t.string == ':' and row not in colon and first[row].string in COMPOUND:
            colon[row] = col
        if depth == 0 and t.type == tokenize.OP and t.string == ';': out.setdefault(row, []).append(col)
    return {r: (out.get(r, []), colon.get(r)) for r in set(out) | set(colon)}

def _split(line:str, cols:list, colon)->list:
    "The statements of one physical line, re-indented; a trailing comment stays with the last statement."
    ind = re.match(r'\s*', line).group()
    if colon is not None and not cols:   # one statement: the body under its header
        return [line[:colon + 1].rstrip(), ind + '    ' + line[colon + 1:].strip()]
    if colon is not None:
        head, body, cols, ind2 = line[:colon + 1], line[colon + 1:], [c - colon - 1 for c in cols], ind + '    '
    else: head, body, ind2 = None, line, ind
    parts, last = [], 0
    for c in cols:
        parts.append(body[last:c])
        last = c + 1
    parts.append(body[last:])
    if not parts[-1].strip() or parts[-1].strip().startswith('#'):   # `x;` or `x;  # note`: not two statements
        tail = parts.pop()
        parts[-1] += (';' if not tail.strip() else '') + (tail if tail.strip() else '')
        if len(parts) == 1: return [line]
    out = ([head] if head else []) + [ind2 + p.strip() for p in parts if p.strip()]
    return out

def fix_source(src:str, limit:int=LIMIT)->str:
    "Split the lines of `src` that hold several statements, and move a long line's one-line body under its header."
    found = semicolons(src)
    if not found: return src
    lines = src.split('\n')
    for row in sorted(found, reverse=True):
        cols, colon = found[row]
        line = lines[row - 1]
        if cols or (colon is not None and len(line) > limit and line[colon + 1:].strip()
                    and not line[colon + 1:].strip().startswith('#')):
            lines[row - 1:row] = _split(line, cols, colon)
    return '\n'.join(lines)

def code_cells(nb:dict):
    for i, c in enumerate(nb['cells']):
        if c['cell_type'] == 'code': yield i, c, ''.join(c['source'])

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('paths', nargs='*', default=['nbs'])
    p.add_argument('--fix', action='store_true', help='split statements joined by `;`, and long one-line blocks')
    p.add_argument('--limit', type=int, default=LIMIT)
    a = p.parse_args(argv)
    files = [f for x in a.paths for f in (sorted(Path(x).rglob('*.ipynb')) if Path(x).is_dir() else [Path(x)])]
    n_semi = n_long = 0
    for f in files:
        nb = json.loads(f.read_text())
        changed = False
        for i, c, src in code_cells(nb):
            if a.fix:
                new = fix_source(src, a.limit)
                if new != src:
                    c['source'] = new.splitlines(keepends=True)
                    changed, src = True, new
            semi = {r for r, (cols, colon) in semicolons(src).items()
                    if cols and _split(src.split('\n')[r - 1], cols, colon) != [src.split('\n')[r - 1]]}
            long = [r for r, l in enumerate(src.split('\n'), 1) if len(l) > a.limit]
            n_semi += len(semi)
            n_long += len(long)
            for r in sorted(semi | set(long)):
                print(f'{f}:cell {i}:line {r}: {"; " if r in semi else ""}{"long " if r in long else ""}'
                      f'{src.split(chr(10))[r - 1][:100]}')
        if changed: f.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + '\n')
    print(f'{n_semi} line(s) with several statements, {n_long} line(s) over {a.limit} characters', file=sys.stderr)

if __name__ == '__main__': main()
