"""The deploy-advisor engine: load -> validate -> compile -> evaluate -> score -> explain -> render.

The public entry points are in :mod:`deploy_advisor.engine.api`.
"""
