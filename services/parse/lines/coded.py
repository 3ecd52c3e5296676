"""Tables whose rows are keyed by 功能分类科目编码 (类 3 digits / 款 5 / 项 7): 收入决算表,
支出决算表, 一般公共预算财政拨款支出决算表, 政府性基金 and 国有资本经营 tables.

Born-digital PDFs omit empty cells, so a row can have fewer numbers than columns. Numbers keep
their left-to-right order; which columns they belong to is solved from the table's own identities
(row total = Σ components; 类 = Σ 款 = Σ 项; 合计 = Σ 类), preferring the leftmost columns when
nothing else decides. A tie leaves the cell with lowered confidence and a note.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from decimal import Decimal

from shared.document import Line
from shared.knowledge.classification import function_level
from shared.knowledge.tables import COLUMNS, ROW_IDENTITIES
from shared.models import Cell, Row, Table

from ..numbers import Num, atomize, is_numeric_atom, read_numbers
from .locate import Region

CODE_RE = re.compile(r"^[1-9]\d{2}(?:\d{2}){0,2}$")
TOTAL_RE = re.compile(r"^(合\s*计|总\s*计)")
CJK_SPACE_RE = re.compile(r"(?<=[\u4e00-\u9fff（）])\s+(?=[\u4e00-\u9fff（）])")
VIOLATION = 1000


def clean_name(text: str) -> str:
    return CJK_SPACE_RE.sub("", text.strip())


@dataclass
class RawRow:
    code: str | None
    name: str
    nums: list[Num]
    line: Line
    extra_lines: list[Line] = field(default_factory=list)


def level_of(code: str) -> str | None:
    return function_level(code)


def column_count(region: Region, default: int) -> int:
    for ln in region.lines[:40]:
        m = re.search(r"栏\s*次((?:\s+\d{1,2})+)\s*$", ln.norm)
        if m:
            n = len(m.group(1).split())
            if 1 <= n <= 10:
                return n
    return default


def scan_rows(lines: list[Line]) -> list[RawRow]:
    """Rows start at a code or 合计; a row whose numbers are on a later line (the name wrapped)
    picks them up from the first numbers-only line before the next row starts."""
    rows: list[RawRow] = []
    pending: RawRow | None = None
    for ln in lines:
        atoms = atomize(ln.norm, ln.ocr)
        if not atoms:
            continue
        first = atoms[0]
        starts_code = first.kind == "int" and CODE_RE.match(first.raw) and len(atoms) > 1
        starts_total = (
            first.kind == "text"
            and TOTAL_RE.match(ln.norm.strip())
            and all(is_numeric_atom(a) for a in atoms[1:])
            and re.sub(r"\s", "", first.raw) in ("合计", "总计")
        )
        if starts_code or starts_total:
            body = atoms[1:] if starts_code else atoms
            name_atoms = list(itertools.takewhile(lambda a: not is_numeric_atom(a), body))
            num_atoms = [a for a in body[len(name_atoms) :] if is_numeric_atom(a)]
            name = clean_name(" ".join(a.raw for a in name_atoms))
            if starts_total:
                name = re.sub(r"\s", "", name)
            row = RawRow(first.raw if starts_code else None, name, read_numbers(num_atoms, ln.ocr), ln)
            rows.append(row)
            pending = row if not row.nums else None
            continue
        if pending is not None:
            if all(is_numeric_atom(a) for a in atoms):
                pending.nums = read_numbers(atoms, ln.ocr)
                pending.extra_lines.append(ln)
                pending = None
            elif not any(is_numeric_atom(a) for a in atoms):
                pending.name = clean_name(pending.name + " ".join(a.raw for a in atoms))
                pending.extra_lines.append(ln)
    return rows


def _candidates(k: int, n: int) -> list[tuple[int, ...]]:
    if k == 0:
        return [()]
    if k >= n:
        return [tuple(range(n))]
    return [(0, *rest) for rest in itertools.combinations(range(1, n), k - 1)]


class ColumnSolver:
    """Coordinate descent over each row's candidate column assignments."""

    def __init__(
        self,
        rows: list[RawRow],
        n: int,
        identities: list[tuple[int, list[int]]],
        root_hint: list[Decimal | None] | None = None,
    ):
        self.rows, self.n, self.identities = rows, n, identities
        self.root_hint = root_hint
        self.cands = [_candidates(min(len(r.nums), n), n) for r in rows]
        self.choice = [0] * len(rows)
        self.children: dict[int, list[int]] = {}
        index = {r.code: i for i, r in enumerate(rows) if r.code}
        root = next((i for i, r in enumerate(rows) if r.code is None), None)
        for i, r in enumerate(rows):
            if not r.code:
                continue
            parent = None
            for plen in (5, 3):
                if len(r.code) > plen and r.code[:plen] in index:
                    parent = index[r.code[:plen]]
                    break
            if parent is None and len(r.code) == 3:
                parent = root
            if parent is not None:
                self.children.setdefault(parent, []).append(i)
        self.parent_of = {c: p for p, cs in self.children.items() for c in cs}
        self.vectors = [[self._build(i, c) for c in range(len(cs))] for i, cs in enumerate(self.cands)]

    def _build(self, i: int, choice: int) -> list[int | None]:
        """The row's values in integer cents (exact: table amounts have at most 2 decimals)."""
        vec: list[int | None] = [None] * self.n
        for col, num in zip(self.cands[i][choice], self.rows[i].nums):
            vec[col] = int(num.value * 100)
        return vec

    def vector(self, i: int, choice: int | None = None) -> list[int | None]:
        return self.vectors[i][self.choice[i] if choice is None else choice]

    def _group_cost(self, parent: int) -> int:
        """Violations of parent = Σ children, column by column. In integer cents, the interval test
        of services.validate.tolerance (each figure ±½ cent) is 2·|parent − Σ| < count + 1."""
        pv = self.vector(parent)
        kids = [self.vector(c) for c in self.children.get(parent, [])]
        cost = 0
        for j in range(self.n):
            total, count = 0, 0
            for k in kids:
                v = k[j]
                if v is not None:
                    total += v
                    count += 1
            if 2 * abs((pv[j] or 0) - total) > count + 1:
                cost += VIOLATION
        return cost

    def _row_cost(self, i: int) -> int:
        v = self.vector(i)
        cost = sum(self.cands[i][self.choice[i]])
        if self.root_hint and self.rows[i].code is None:
            # Another table states this row's column values (e.g. 01's income sources for 02's 合计).
            for j, expected in enumerate(self.root_hint[: self.n]):
                if abs((v[j] or 0) - int((expected or 0) * 100)) > 1:
                    cost += VIOLATION
        for total, comps in self.identities:
            if total >= self.n:
                continue
            parts = [v[c] for c in comps if c < self.n]
            present = [p for p in parts if p is not None]
            if 2 * abs((v[total] or 0) - sum(present)) > len(present) + 1:
                cost += VIOLATION
        return cost

    def local_cost(self, i: int) -> int:
        cost = self._row_cost(i)
        if i in self.children:
            cost += self._group_cost(i)
        if i in self.parent_of:
            cost += self._group_cost(self.parent_of[i])
        return cost

    def _subtree(self, i: int) -> list[int]:
        """Row i and its descendants that have the same candidate set (moved together)."""
        out, stack = [i], list(self.children.get(i, []))
        while stack:
            j = stack.pop()
            if self.cands[j] == self.cands[i]:
                out.append(j)
                stack.extend(self.children.get(j, []))
        return out

    def _cost(self, rows: list[int]) -> int:
        groups = {self.parent_of[r] for r in rows if r in self.parent_of} | {
            r for r in rows if r in self.children
        }
        return sum(self._row_cost(r) for r in rows) + sum(self._group_cost(g) for g in groups)

    def _pair_moves(self) -> bool:
        """Two misplaced siblings can only be fixed together (moving one alone leaves the same
        number of unbalanced columns): try every pair in a group that is still unbalanced."""
        improved = False
        for parent, kids in self.children.items():
            if self._group_cost(parent) == 0:
                continue
            movable = [k for k in kids if len(self.cands[k]) > 1][:12]
            for x, a in enumerate(movable):
                for b in movable[x + 1 :]:
                    rows = [a, b]
                    best = (self._cost(rows), self.choice[a], self.choice[b])
                    for ca in range(len(self.cands[a])):
                        for cb in range(len(self.cands[b])):
                            self.choice[a], self.choice[b] = ca, cb
                            cost = self._cost(rows)
                            if cost < best[0]:
                                best = (cost, ca, cb)
                                improved = True
                    self.choice[a], self.choice[b] = best[1], best[2]
        return improved

    MAX_ROWS = 1500  # far beyond any real table; above it the columns are left unsolved (and say so)

    def solve(self) -> list[bool]:
        """Returns, per row, whether its assignment is ambiguous."""
        if len(self.rows) > self.MAX_ROWS:
            return [len(c) > 1 for c in self.cands]
        self._descend()
        if self._pair_moves():
            self._descend()
        return self._ambiguity()

    def _group_sums(self) -> dict[int, tuple[list[int], list[int]]]:
        return {p: self._sums(kids) for p, kids in self.children.items()}

    def _without(
        self, sums: tuple[list[int], list[int]], vec: list[int | None]
    ) -> tuple[list[int], list[int]]:
        totals, counts = list(sums[0]), list(sums[1])
        for j, v in enumerate(vec):
            if v is not None:
                totals[j] -= v
                counts[j] -= 1
        return totals, counts

    def _descend(self) -> None:
        movable = [i for i, c in enumerate(self.cands) if len(c) > 1]
        for _ in range(12):
            changed = False
            sums = self._group_sums()  # per parent: Σ children by column, kept current below
            for i in movable:
                parent = self.parent_of.get(i)
                sib = self._without(sums[parent], self.vector(i)) if parent is not None else None
                kids = sums.get(i)
                current = self._candidate_cost(i, self.choice[i], parent, sib, kids)
                if self.choice[i] == 0 and current < VIOLATION:
                    continue  # already at its cheapest candidate with nothing unbalanced around it
                # single-row move, O(columns) per candidate
                best, best_cost = self.choice[i], current + sum(self.cands[i][self.choice[i]])
                for c in range(len(self.cands[i])):
                    cost = self._candidate_cost(i, c, parent, sib, kids) + sum(self.cands[i][c])
                    if cost < best_cost:
                        best, best_cost = c, cost
                if best != self.choice[i]:
                    self.choice[i] = best
                    changed = True
                    sums = self._group_sums()
                # a row and its same-shaped descendants moved together (e.g. 229 → 22999 → 2299999)
                subtree = self._subtree(i)
                if len(subtree) > 1:
                    before = [self.choice[r] for r in subtree]
                    best, best_cost = self.choice[i], self._cost(subtree)
                    for c in range(len(self.cands[i])):
                        for r in subtree:
                            self.choice[r] = c
                        cost = self._cost(subtree)
                        if cost < best_cost:
                            best, best_cost = c, cost
                    for r, b in zip(subtree, before):
                        self.choice[r] = b
                    if best != self.choice[i]:
                        for r in subtree:
                            self.choice[r] = best
                        changed = True
                        sums = self._group_sums()
            if not changed:
                break

    def _sums(self, rows: list[int]) -> tuple[list[int], list[int]]:
        totals, counts = [0] * self.n, [0] * self.n
        for r in rows:
            for j, v in enumerate(self.vector(r)):
                if v is not None:
                    totals[j] += v
                    counts[j] += 1
        return totals, counts

    def _ambiguity(self) -> list[bool]:
        """A row is ambiguous when another candidate is as good. Incremental: the sums of its
        siblings and of its children are computed once, each candidate then costs O(columns)."""
        ambiguous = []
        for i, cands in enumerate(self.cands):
            if len(cands) < 2:
                ambiguous.append(False)
                continue
            parent = self.parent_of.get(i)
            sib = (
                self._sums([k for k in self.children.get(parent, []) if k != i])
                if parent is not None
                else None
            )
            kids = self._sums(self.children[i]) if i in self.children else None
            chosen = self.choice[i]
            base = self._candidate_cost(i, chosen, parent, sib, kids)
            ambiguous.append(
                any(
                    self._candidate_cost(i, c, parent, sib, kids) <= base
                    for c in range(len(cands))
                    if c != chosen
                )
            )
        return ambiguous

    def _candidate_cost(
        self,
        i: int,
        c: int,
        parent: int | None,
        sib: tuple[list[int], list[int]] | None,
        kids: tuple[list[int], list[int]] | None,
    ) -> int:
        v = self.vectors[i][c]
        pv = self.vector(parent) if parent is not None else None
        total = 0
        for j in range(self.n):
            x = v[j]
            if sib is not None and pv is not None:
                t, n = sib[0][j] + (x or 0), sib[1][j] + (x is not None)
                total += VIOLATION if 2 * abs((pv[j] or 0) - t) > n + 1 else 0
            if kids is not None:
                total += VIOLATION if 2 * abs((x or 0) - kids[0][j]) > kids[1][j] + 1 else 0
        saved = self.choice[i]
        self.choice[i] = c
        total += self._row_cost(i) - sum(self.cands[i][c])
        self.choice[i] = saved
        return total


def build_cell(num: Num | None, line: Line) -> Cell:
    if num is None:
        return Cell(state="empty", prov=line.prov)
    return Cell(
        state="number",
        value=num.value,
        raw=num.raw,
        places=num.places,
        prov=line.prov,
        confidence=num.confidence,
        note=num.note,
        alternatives=num.alternatives,
    )


def parse_coded_table(region: Region, root_hint: list[Decimal | None] | None = None) -> Table:
    kind = region.kind
    template = COLUMNS[kind]
    n = column_count(region, len(template))
    columns = (
        template[:n] if n <= len(template) else template + [f"第{i + 1}栏" for i in range(len(template), n)]
    )
    raw_rows = scan_rows(region.lines)
    notes: list[str] = []
    identities = [
        (columns.index(total), [columns.index(c) for c in parts if c in columns])
        for total, parts in ROW_IDENTITIES.get(kind, [])
        if total in columns
    ]
    solver = ColumnSolver(raw_rows, n, identities, root_hint)
    ambiguous = solver.solve() if raw_rows else []
    rows: list[Row] = []
    for i, rr in enumerate(raw_rows):
        cols = solver.cands[i][solver.choice[i]]
        by_col = dict(zip(cols, rr.nums))
        if len(rr.nums) > n:
            notes.append(f"第{rr.line.line}行数字个数({len(rr.nums)})多于栏数({n})，多余数字未采用")
        cells = {}
        for j, name in enumerate(columns):
            cell = build_cell(by_col.get(j), rr.line)
            if ambiguous[i] and cell.state == "number" and j != 0:
                cell.confidence = min(cell.confidence, 0.7)
                cell.note = "空栏未印出，数字所属栏目无法唯一确定"
            cells[name] = cell
        if ambiguous[i] and len(rr.nums) > 1:
            notes.append(f"第{rr.line.line}行（{rr.code or ''}{rr.name}）数字所属栏目不唯一，已按最左栏归属")
        rows.append(
            Row(
                code=rr.code,
                name=rr.name,
                level=level_of(rr.code) if rr.code else None,
                cells=cells,
                prov=rr.line.prov,
            )
        )
    return region.to_table(columns, rows, notes)
