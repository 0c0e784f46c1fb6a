//! Builders for foreign keys and indexes that derive their names from the table and columns,
//! so every constraint follows `fk_<table>_<column>`, `idx_<table>_<cols>`, `uq_<table>_<cols>`.

use sea_orm_migration::prelude::*;

/// Foreign key `fk_<table>_<column>` from `table.column` to `parent.id`, for use inside
/// `create_table` (SQLite cannot add a foreign key to an existing table).
pub(crate) fn foreign_key(
    table: &'static str,
    column: &'static str,
    parent: &'static str,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_{column}"))
        .from(table, column)
        .to(parent, "id")
        .on_delete(on_delete)
        .to_owned()
}

/// Index `idx_<table>_<cols>`.
pub(crate) fn index(table: &'static str, columns: &[&'static str]) -> IndexCreateStatement {
    build(table, columns, "idx")
}

/// Unique index `uq_<table>_<cols>`.
pub(crate) fn unique(table: &'static str, columns: &[&'static str]) -> IndexCreateStatement {
    build(table, columns, "uq").unique().to_owned()
}

/// Unique index `uq_<table>_<cols>` over the rows whose `null_column` is null.
///
/// Both backends treat NULLs as distinct in a unique index, so a unique index that includes a
/// nullable column does not stop duplicates among the rows where it is null; this one does.
pub(crate) fn unique_where_null(
    table: &'static str,
    columns: &[&'static str],
    null_column: &'static str,
) -> IndexCreateStatement {
    build(table, columns, "uq")
        .unique()
        .and_where(Expr::col(null_column).is_null())
        .to_owned()
}

fn build(table: &'static str, columns: &[&'static str], prefix: &str) -> IndexCreateStatement {
    let mut index = Index::create();
    index
        .name(format!("{prefix}_{table}_{}", columns.join("_")))
        .table(table);
    for column in columns {
        index.col(*column);
    }
    index
}
