"""Table readers for grids (PDF ruling lines, Word and Excel tables): columns are named from
their header labels, rows read cell by cell."""
