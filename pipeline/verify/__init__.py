"""`python -m pipeline verify`: probe a deployed stack from inside and outside its VPC and check
that who can reach what is what `check` predicted (see command.py)."""
