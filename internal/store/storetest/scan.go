package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// Column is one column of a table that can hold text.
type Column struct {
	Table, Name string
	Binary      bool // BLOB or BYTEA
}

func (c Column) String() string { return c.Table + "." + c.Name }

// TextColumns lists every column of every table that can hold text or
// bytes, read from the schema itself (sqlite_master and table_info on
// SQLite, information_schema on PostgreSQL), so a table or column added
// later is covered without anyone listing it.
func TextColumns(ctx context.Context, db *sql.DB, postgres bool) ([]Column, error) {
	if postgres {
		rows, err := db.QueryContext(ctx, `SELECT c.table_name, c.column_name, c.data_type = 'bytea'
			FROM information_schema.columns c JOIN information_schema.tables t
				ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
			WHERE c.table_schema = current_schema()
			  AND c.data_type IN ('text', 'character varying', 'character', 'bytea', 'json', 'jsonb')
			ORDER BY c.table_name, c.ordinal_position`)
		if err != nil {
			return nil, fmt.Errorf("list columns: %w", err)
		}
		return scanColumns(rows)
	}
	var tables []string
	rows, err := db.QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			rows.Close()
			return nil, err
		}
		tables = append(tables, name)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	var cols []Column
	for _, table := range tables {
		rows, err := db.QueryContext(ctx, `SELECT name, type FROM pragma_table_info(?)`, table)
		if err != nil {
			return nil, fmt.Errorf("columns of %s: %w", table, err)
		}
		for rows.Next() {
			var name, typ string
			if err := rows.Scan(&name, &typ); err != nil {
				rows.Close()
				return nil, err
			}
			// SQLite stores any value in any column: only numbers
			// declared as such are left out.
			switch strings.ToUpper(typ) {
			case "INTEGER", "INT", "BIGINT", "REAL", "NUMERIC", "BOOLEAN":
				continue
			}
			cols = append(cols, Column{Table: table, Name: name, Binary: strings.EqualFold(typ, "BLOB") || typ == ""})
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
	}
	return cols, nil
}

func scanColumns(rows *sql.Rows) ([]Column, error) {
	defer rows.Close()
	var cols []Column
	for rows.Next() {
		var c Column
		if err := rows.Scan(&c.Table, &c.Name, &c.Binary); err != nil {
			return nil, err
		}
		cols = append(cols, c)
	}
	return cols, rows.Err()
}

// FindText counts, per column of cols, the rows holding needle (ignoring
// ASCII case), in text and in bytes; columns without it are left out.
func FindText(ctx context.Context, db *sql.DB, postgres bool, cols []Column, needle string) (map[Column]int, error) {
	found := map[Column]int{}
	for _, c := range cols {
		ident := `"` + c.Table + `"."` + c.Name + `"`
		q := `SELECT COUNT(*) FROM "` + c.Table + `" WHERE CAST(` + ident + ` AS TEXT) LIKE '%' || ? || '%'`
		switch {
		case postgres && c.Binary:
			q = `SELECT COUNT(*) FROM "` + c.Table + `" WHERE encode(` + ident + `, 'escape') ILIKE '%' || $1 || '%'`
		case postgres:
			q = `SELECT COUNT(*) FROM "` + c.Table + `" WHERE ` + ident + `::text ILIKE '%' || $1 || '%'`
		}
		var n int
		if err := db.QueryRowContext(ctx, q, needle).Scan(&n); err != nil {
			return nil, fmt.Errorf("%s: %w", c, err)
		}
		if n > 0 {
			found[c] = n
		}
	}
	return found, nil
}
