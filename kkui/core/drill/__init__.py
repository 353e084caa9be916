"""``kkui drill master|node|reference``: controlled failures with a timeline and a guaranteed
restore (issue #13).  ``kkui drill lb`` is :mod:`kkui.core.lb.drill`."""
