"""The app and the demo."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from commands.common import progress
from config import load_config


def serve_app(db_path: Path, port: int) -> int:
    """Become the Streamlit app on 127.0.0.1 (it reads the published copy only) until it is stopped."""
    root = Path(__file__).resolve().parents[1]  # the project root: app.py and .streamlit/ live there
    # Streamlit reads .streamlit/config.toml from its working directory; the flags repeat what matters
    # (this machine only, no usage statistics) so that it holds wherever the app is started from.
    command = [sys.executable, "-m", "streamlit", "run", str(root / "app.py"), "--server.port", str(port),
               "--server.address", "127.0.0.1", "--server.headless", "true",
               "--browser.gatherUsageStats", "false"]
    env = dict(os.environ, ADTRAIL_DB=str(Path(db_path).resolve()))
    progress(f"the app: http://127.0.0.1:{port}/ (Ctrl-C stops it)")
    sys.stdout.flush()
    os.chdir(root)
    # exec, not a child: Ctrl-C and a service manager's SIGTERM reach Streamlit itself.
    os.execve(sys.executable, command, env)


def command_app(args) -> int:
    config = load_config(args.config)
    return serve_app(Path(args.db) if args.db else config.db_path, args.port)


def command_demo(args) -> int:
    from demo.run import run_demo

    return run_demo(db_path=Path(args.db) if args.db else None, open_app=not args.no_app,
                    week=args.week, port=args.port)
