"""Pages of internal control and integrity (第六条至第十一条).

Every list starts from a queryset scoped in `integrity.access`; every single record is fetched by a
`get_<thing>_for_user` helper (outsiders 404, insiders without the right 403); every change is a
POST that calls an action in `integrity.actions`.
"""
