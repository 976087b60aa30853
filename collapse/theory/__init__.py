"""Closed forms of both papers as numbers (``seddik``); sympy derivations come later."""
