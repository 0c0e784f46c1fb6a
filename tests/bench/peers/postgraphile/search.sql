-- Directory search for the PostGraphile peer of the benchmark (tests/bench/peers/postgraphile).
--
--   psql "$DB_URL" -v ON_ERROR_STOP=1 -f tests/bench/peers/postgraphile/search.sql
--
-- Idempotent. PostGraphile exposes pgl.directory_search as the root connection field
-- `directorySearch(search: "smi", first: 20)`.
--
-- It matches our resolver (api/src/services/directory.rs `matches` + `page`) for a search of
-- ONE word by an admin (who sees everyone, so no `listed` filter and no unit filter):
--   * `search` is the folded word as given (the bench passes lower-case ASCII such as 'smi');
--     no folding happens here;
--   * a person matches when a directory_term row has prefix <= term < upper, where upper is
--     the prefix with its last character incremented (QueryWord::upper for ASCII);
--   * relevance = min over the matching rows of (kind if term = prefix else kind + 2);
--   * order: relevance, search_name, id.
-- The function returns its rows in that order; PostGraphile v5 pages a setof function by row
-- number (WITH ORDINALITY), so the order must be total and stable, which (relevance,
-- search_name, id) is.

create schema if not exists pgl;

create or replace function pgl.directory_search(search text)
returns setof public.person
language sql
stable
parallel safe
as $$
  select p.*
  from (
    select tm.person_id as id,
           min(case when tm.term = q.prefix then tm.kind else tm.kind + 2 end) as relevance,
           min(tm.search_name) as search_name
    from (
      select search as prefix,
             left(search, -1) || chr(ascii(right(search, 1)) + 1) as upper
      where coalesce(search, '') <> ''
    ) q
    join public.directory_term tm on tm.term >= q.prefix and tm.term < q.upper
    group by tm.person_id
  ) r
  join public.person p on p.id = r.id
  order by r.relevance, r.search_name, r.id
$$;

-- `@name directory_search`: PostGraphile prefixes the names of functions outside its first
-- schema (`pglDirectorySearch`); the smart tag names the field `directorySearch`.
comment on function pgl.directory_search(text) is
  E'@name directory_search\nPeople whose directory terms start with the folded word `search`, best match first (relevance, search_name, id); the one-word admin case of the Chorus directory search.';
