"""The AiQ staff web app (issue 12): pages built from the services' public APIs."""

import warnings

# Authlib 1.9 prefers the httpx2 package and falls back to httpx with a warning; httpx is ours.
warnings.filterwarnings("ignore", message="The httpx module is deprecated")
