"""The composition root: builds and wires every layer; the CLI and the GUI both start here.

Nothing else constructs clients, stores or services. Demo mode is the same wiring pointed at an
embedded MOCO server with a throw-away data directory.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING

from moco_desktop.core.i18n import set_language
from moco_desktop.core.records import mutable_record
from moco_desktop.credentials.keyring_store import CredentialStore
from moco_desktop.services.account import AccountService, ActiveAccount
from moco_desktop.storage.settings import SettingsFile
from moco_desktop.system.paths import AppPaths

if TYPE_CHECKING:
    from moco_desktop.api.client import MocoClient
    from moco_desktop.demo.seed import DemoAccount
    from moco_desktop.demo.server import EmbeddedMocoServer
    from moco_desktop.services.workspace import Workspace
    from moco_desktop.storage.database import Database


@mutable_record
class AppContext:
    """Everything the front ends need, wired once per process."""

    paths: AppPaths
    accounts: AccountService
    credentials: CredentialStore
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))

    @classmethod
    def create(
        cls,
        paths: AppPaths | None = None,
        env: Mapping[str, str] | None = None,
        *,
        credentials: CredentialStore | None = None,
    ) -> AppContext:
        paths = (paths or AppPaths.for_user()).ensure()
        environment = dict(os.environ if env is None else env)
        credentials = credentials or CredentialStore()
        context: AppContext
        accounts = AccountService(
            SettingsFile(paths.settings_file),
            credentials,
            env=environment,
            forget_account_data=lambda account_id: context.forget_account_data(account_id),
        )
        context = cls(paths, accounts, credentials, environment)
        if accounts.settings.language:
            set_language(accounts.settings.language)
        return context

    def forget_account_data(self, account_id: str) -> None:
        """Delete everything cached and pending for an account (logout)."""
        from moco_desktop.storage.maintenance import forget_account

        forget_account(self.paths.database_file, account_id)

    def unsent_changes(self, account_id: str) -> int:
        """How many changes of an account (any acted-for user) have not reached MOCO yet."""
        if not self.paths.database_file.exists():
            return 0
        from moco_desktop.storage.database import open_database
        from moco_desktop.storage.outbox import unsent_counts

        with open_database(self.paths.database_file) as database:
            counts = unsent_counts(database)
        return sum(count for (account, _user), count in counts.items() if account == account_id)

    async def open_workspace(
        self, account: ActiveAccount, acting_user_id: int | None = None
    ) -> WorkspaceSession:
        """The services for one account, acting as itself or (staff) a colleague.

        Use as `async with await context.open_workspace(account) as session:`; closing it
        stops background sending and closes the client and the database.
        """
        from moco_desktop.services.workspace import Workspace
        from moco_desktop.storage.database import open_database

        client = self.accounts.client(account)
        database = open_database(self.paths.database_file)
        workspace = Workspace.open(
            client,
            database,
            account.record.account_id,
            account.record.user_id,
            acting_user_id,
        )
        if account.checked is not None and account.checked.fresh():
            workspace.adopt_login_check(account.checked.profile)  # no second look right away
        return WorkspaceSession(workspace, client, database)


class WorkspaceSession:
    """An open workspace with the client and database it owns."""

    def __init__(self, workspace: Workspace, client: MocoClient, database: Database) -> None:
        self.workspace = workspace
        self._client = client
        self._database = database

    async def __aenter__(self) -> WorkspaceSession:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def close(self) -> None:
        try:
            await self.workspace.close()
        finally:
            await self._client.aclose()
            self._database.close()


@mutable_record
class DemoEnvironment:
    """A running embedded MOCO server with demo data and a throw-away app directory."""

    server: EmbeddedMocoServer
    account: DemoAccount
    root: Path

    @classmethod
    def start(cls, port: int = 0, today: dt.date | None = None) -> DemoEnvironment:
        # Imported here: the embedded server costs start-up time and memory outside demo mode.
        from moco_desktop.demo.seed import seed_demo
        from moco_desktop.demo.server import EmbeddedMocoServer
        from moco_desktop.demo.state import MocoState

        state = MocoState()
        account = seed_demo(state, today or dt.date.today())
        server = EmbeddedMocoServer(state, port=port).start()
        root = Path(tempfile.mkdtemp(prefix="moco-desktop-demo-"))
        return cls(server, account, root)

    def context(self) -> AppContext:
        env = {**os.environ, "MOCO_BASE_URL": self.server.base_url, "MOCO_DOMAIN": "demo"}
        env.pop("MOCO_API_KEY", None)
        return AppContext.create(
            AppPaths.under(self.root), env, credentials=CredentialStore(memory_only=True)
        )

    def stop(self) -> None:
        self.server.stop()
        shutil.rmtree(self.root, ignore_errors=True)
