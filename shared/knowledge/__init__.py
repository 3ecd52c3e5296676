"""What every stage knows about 部门决算: the standard tables (titles, columns, the identities
that hold in them), the 政府收支分类科目 code lists, and the narrative's topics and subjects.

The parser reads with it, the rules check with it, the corpus generator writes with it: one copy.
"""
