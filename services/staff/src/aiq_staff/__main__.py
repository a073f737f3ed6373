import uvicorn

from aiq_staff.app import create_app
from aiq_staff.settings import StaffSettings


def main() -> None:
    settings = StaffSettings()
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level.lower(),
        timeout_graceful_shutdown=5,
        proxy_headers=True,
    )


if __name__ == "__main__":
    main()
