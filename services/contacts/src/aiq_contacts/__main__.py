from aiq_contacts.app import create_app
from aiq_contacts.settings import ContactsSettings
from aiq_shared.serve import serve


def main() -> None:
    serve(ContactsSettings(), create_app)


if __name__ == "__main__":
    main()
