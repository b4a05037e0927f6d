"""The deploy-advisor engine: load -> validate -> compile -> evaluate -> score -> explain -> render.

This package holds the recommendation pipeline; ``batchio/`` reads many inputs and writes their answers in
order; ``authoring/`` holds the rule authors' tools (check, tests, impact, schemas, tables). The public
entry points are in :mod:`deploy_advisor.engine.api` and :func:`deploy_advisor.engine.batchio.batch.answers`.
"""
