"""The external HAProxy + Keepalived pair in front of the kube-apiservers.

``render`` turns the model into config text, ``validate`` finds what would break it,
``check`` runs the real parsers, and ``ops``/``deploy``/``status``/``drill`` drive the pair
on its hosts through a small operations interface (SSH in production, namespaces in tests).
Their messages (problems, check results, deploy steps, drill timeline) are ``kkui.i18n.L_``
texts: English in ``--json`` and records, translated where the CLI/TUI shows them.
"""
