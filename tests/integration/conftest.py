"""Integration tests run against the stack (tests/support/stack.py): every service in-process against the
real RabbitMQ and the real store, reached through the HTTP API and RPC like real clients."""
import pytest

pytestmark = pytest.mark.integration


@pytest.fixture
def run_cli(stack, capsys):
    """Run ``cctrack`` in-process against the stack: ``code, out, err = run_cli("centres", "list")``."""
    from services.cli import main as cli

    def run(*argv):
        code = cli.main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err
    return run
