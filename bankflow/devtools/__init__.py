"""The analyst pull-request workflow: lint, project health, slim CI and docs.

Each module is a command behind a ``make`` target, and each can be run alone:

    python -m bankflow.devtools.lint [--base REF] [--fix] [--only CHECK]    make lint
    python -m bankflow.devtools.health [--state DIR]                        make health
    python -m bankflow.devtools.pr_check --base REF                         make pr-check
    python -m bankflow.devtools.docs [--port N]                             make docs

The pre-commit hooks (``.pre-commit-config.yaml``) call ``lint hook <check>``,
so a commit, ``make lint`` and CI apply the same checks. Standard library
only, like the rest of ``bankflow``; the tools themselves (dbt, sqlfluff,
ruff, yamllint, dbt-bouncer, dbt-coverage) are found beside the running
Python, in the batch environment.
"""
