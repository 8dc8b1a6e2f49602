def seed_complaints(**_options: object) -> None:
    pass
