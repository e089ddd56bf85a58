"""The RQ job: a worker process builds its own app to run one allocation."""
from __future__ import annotations


def run_job(run_id: int) -> None:
    from .. import create_app
    from ..extensions import db
    from . import services

    app = create_app()
    with app.app_context():
        try:
            services.execute(run_id)
        finally:
            db.session.remove()
            db.engine.dispose()  # this app lives for one job: close its connections
