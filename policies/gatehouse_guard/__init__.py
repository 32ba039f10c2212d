"""gatehouse_guard: the rules of the gatehouse CrossGuard pack and the access evaluator they use.

Inside the pack (the CLI starts it with `policies/` as working directory) this package is
top-level; from the repository, `pipeline.policy_path.ensure_policies_on_path()` makes it so.
Modules use relative imports so both ways resolve to the same code.
"""
