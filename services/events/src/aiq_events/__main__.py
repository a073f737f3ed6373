from aiq_events.app import create_app
from aiq_events.settings import EventsSettings
from aiq_shared.serve import serve


def main() -> None:
    serve(EventsSettings(), create_app)


if __name__ == "__main__":
    main()
