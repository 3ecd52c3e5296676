"""Table readers for sources without a layout (plain text): rows are lines, columns are
guessed from the order of the numbers, and a column solver fills the columns it cannot see."""
