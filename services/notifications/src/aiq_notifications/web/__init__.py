"""What every web page of the service shares: the security headers (``headers.py``) and the
static files the pages load instead of inline scripts and styles (``static.py``)."""
