from aiq_notifications.app import create_app
from aiq_notifications.settings import NotificationsSettings
from aiq_shared.serve import serve


def main() -> None:
    serve(NotificationsSettings(), create_app)


if __name__ == "__main__":
    main()
