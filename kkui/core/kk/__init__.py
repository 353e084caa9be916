"""Running KubeKey (kk) and turning its output into events.

``events`` defines what happened, ``parser`` turns kk's text into events, ``stages`` tracks
progress through ``create cluster``, ``triage`` explains failures (``hints`` is its live view for
the install screens), ``evidence`` gathers what the failed hosts know, ``bundle`` packs it all
without secrets, and ``process`` runs kk.
"""
