"""The papers' closed forms: as numbers (:mod:`.seddik`, eqs. (6)-(11) of Seddik et al. and
their bounds) and derived with sympy (:mod:`.symbolic`, Theorems 1 and 2 of Seddik et al. and
Wang et al.'s Theorem 2.1 as reconstructed, each checked against its recursion)."""
