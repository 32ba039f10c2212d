"""The automation program: engine-free `check`, and preview/up/promote/review/drift/destroy."""
