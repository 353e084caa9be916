"""Running KubeKey (kk) and turning its output into events.

``events`` defines what happened, ``parser`` turns kk's text into events, ``stages`` tracks
progress through ``create cluster``, ``hints`` explains known failures and ``process`` runs kk.
"""
