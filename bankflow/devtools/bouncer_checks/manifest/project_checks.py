"""dbt-bouncer checks of our own, for what its built-in checks do not say exactly.

- ``check_model_primary_key_tested``: dbt-bouncer's
  ``check_model_has_unique_test`` asks for a uniqueness test only, and a
  primary key is also never null. This passes a model when one column has
  both ``unique`` and ``not_null``, or the model has a compound-key test
  (``unique_combination_of_columns``).
- ``check_staging_model_name_matches_source``: ``check_model_names`` takes
  one pattern; a staging model's name must also repeat its source folder.

dbt-bouncer loads this file from ``custom_checks_dir`` in dbt-bouncer.yml;
it imports dbt-bouncer, so only the batch environment can read it.
"""

from dbt_bouncer.check_framework.decorator import check, fail

COMBINATION_TESTS = (
    "bank_utils.unique_combination_of_columns",
    "dbt_utils.unique_combination_of_columns",
)


@check
def check_model_primary_key_tested(model, ctx, *, combination_tests: list[str] | None = None):
    """A model's primary key is tested unique and not null, on one column or as a combination."""
    accepted = tuple(combination_tests or COMBINATION_TESTS)
    unique, not_null = set(), set()
    for test in ctx.tests_by_attached_node.get(model.unique_id, []):
        meta = getattr(test, "test_metadata", None)
        if meta is None:
            continue
        namespace, name = getattr(meta, "namespace", None), getattr(meta, "name", "")
        if f"{namespace}.{name}" in accepted:
            return
        column = getattr(test, "column_name", None)
        if namespace is None and name == "unique":
            unique.add(column)
        elif namespace is None and name == "not_null":
            not_null.add(column)
    if unique & not_null:
        return
    half = sorted(c for c in unique ^ not_null if c)
    detail = f" (only one of the two on: {', '.join(half)})" if half else ""
    fail(f"`{model.name}` has no primary key tested unique and not null{detail}.")


@check
def check_staging_model_name_matches_source(model):
    """A staging model is named ``stg_<source folder>__<entity>s``, after the folder it sits in."""
    parts = str(model.original_file_path).split("/")
    if len(parts) < 4 or parts[:2] != ["models", "staging"]:
        return
    source = parts[2]
    prefix = f"stg_{source}__"
    entity = str(model.name)[len(prefix) :]
    if not str(model.name).startswith(prefix) or not entity or not entity.endswith("s"):
        fail(
            f"`{model.name}` sits in models/staging/{source}/ so its name is "
            f"`{prefix}<entity>s` (plural entity)."
        )
