"""Who is logged in: login (password or API key), logout, the active account and its key.

Keys go to the OS keyring through `CredentialStore`; settings keep only domain, email and user
id. `MOCO_API_KEY` (with `MOCO_DOMAIN` or `MOCO_BASE_URL`) runs without any stored login.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, field, replace
from urllib.parse import urlsplit

from moco_desktop.api.client import MocoClient
from moco_desktop.api.errors import InvalidDomainError
from moco_desktop.api.ratelimit import RateLimiter, RateLimitPlan, limiter_for
from moco_desktop.api.urls import normalize_domain, resolve_base_url
from moco_desktop.core.entities import ApiKey, Profile
from moco_desktop.core.errors import CatalogueError
from moco_desktop.core.i18n import register
from moco_desktop.core.records import record
from moco_desktop.credentials.keyring_store import CredentialStore, KeyStorage
from moco_desktop.storage.settings import AccountRecord, Settings, SettingsFile

register(
    {
        "account.not_logged_in": {
            "en": "Not logged in. Run `moco-desktop login` first (or set MOCO_API_KEY).",
            "de": "Nicht angemeldet. Bitte zuerst `moco-desktop login` ausführen "
            "(oder MOCO_API_KEY setzen).",
        },
        "account.key_missing": {
            "en": "The API key for {account} is no longer available (keyring empty or "
            "locked). Please log in again.",
            "de": "Der API-Schlüssel für {account} ist nicht mehr verfügbar (Schlüsselbund leer "
            "oder gesperrt). Bitte neu anmelden.",
        },
        "account.domain_missing": {
            "en": "Which MOCO account? Give the domain (e.g. `acme` for acme.mocoapp.com).",
            "de": "Welcher MOCO-Account? Bitte die Domain angeben (z. B. `acme` für "
            "acme.mocoapp.com).",
        },
        "account.bad_rate_limit": {
            "en": "Invalid rate limit {value!r}: use seed, standard, unlimited or N/SECONDS.",
            "de": "Ungültiges Ratenlimit {value!r}: seed, standard, unlimited oder N/SEKUNDEN "
            "verwenden.",
        },
        "account.empty_credentials": {
            "en": "Email and password must not be empty.",
            "de": "E-Mail und Passwort dürfen nicht leer sein.",
        },
    }
)

_KEY_IDENTITIES = "key_identities"  # settings.extra: hash of an env API key -> its account

PLANS: Mapping[str, RateLimitPlan] = {
    "seed": RateLimitPlan.STANDARD_SEED,
    "standard": RateLimitPlan.STANDARD,
    "unlimited": RateLimitPlan.UNLIMITED,
}


def parse_rate_limit_plan(text: str) -> RateLimitPlan:
    """`seed`, `standard`, `unlimited` or `N/SECONDS` (e.g. `120/120`)."""
    if text in PLANS:
        return PLANS[text]
    count, _, seconds = text.partition("/")
    try:
        plan = RateLimitPlan(int(count), float(seconds))
    except ValueError:
        raise AccountError("account.bad_rate_limit", value=text) from None
    if plan.max_requests < 1 or plan.per_seconds <= 0:
        raise AccountError("account.bad_rate_limit", value=text)
    return plan


class AccountError(CatalogueError):
    """A login problem found before talking to MOCO (nothing stored, no domain, ...)."""


class NotLoggedInError(AccountError):
    """There is no usable login: nothing stored, or its key is gone."""


@record
class ActiveAccount:
    """A login that can talk to MOCO now: the record and its key (None: read from the keyring
    when the first request needs it, see `AccountService.active`). `checked` is set when MOCO
    confirmed the key a moment ago (login): the workspace need not ask again at once."""

    record: AccountRecord
    api_key: ApiKey | None
    checked: KeyCheck | None = field(default=None, compare=False)


@record
class KeyCheck:
    """What `GET /session` + `GET /profile` answered for a key, and when (monotonic)."""

    profile: Profile
    at: float = field(default_factory=time.monotonic)

    def fresh(self, within: float = 60.0) -> bool:
        return time.monotonic() - self.at < within


@record
class LoginOutcome:
    account: ActiveAccount
    profile: Profile
    key_storage: KeyStorage


ClientFactory = Callable[[str, ApiKey | None, RateLimitPlan], MocoClient]


def _default_client_factory(base_url: str, key: ApiKey | None, plan: RateLimitPlan) -> MocoClient:
    return MocoClient(base_url, key, limiter=key_limiter(base_url, key, plan))


def key_limiter(base_url: str, key: ApiKey | None, plan: RateLimitPlan) -> RateLimiter:
    """The process-wide limiter of one key (MOCO counts requests per key)."""
    return limiter_for(f"{base_url}|{key.fingerprint() if key else 'anonymous'}", plan)


def account_id_for(base_url: str, user_id: int) -> str:
    """A stable id of one user on one MOCO account, e.g. `acme.mocoapp.com#123`."""
    host = urlsplit(base_url).netloc or base_url
    return f"{host}#{user_id}"


class AccountService:
    """Login, logout and the active account; holds no network connection itself."""

    def __init__(
        self,
        settings_file: SettingsFile,
        credentials: CredentialStore,
        *,
        env: Mapping[str, str] | None = None,
        client_factory: ClientFactory = _default_client_factory,
        forget_account_data: Callable[[str], None] | None = None,
    ) -> None:
        self._settings_file = settings_file
        self._credentials = credentials
        self._env = os.environ if env is None else env
        self._client_factory = client_factory
        self._key_reads: dict[str, asyncio.Future[ApiKey | None]] = {}
        self._forget_account_data = forget_account_data
        self._settings = settings_file.load()

    # -- settings ---------------------------------------------------------------------------
    @property
    def settings(self) -> Settings:
        return self._settings

    def update_settings(self, settings: Settings) -> None:
        self._settings = settings
        self._settings_file.save(settings)

    def update_extra(self, values: Mapping[str, object]) -> None:
        """Store feature settings (`idle`, `reminders`, `rounding`, ...) beside the known ones;
        other extra entries are kept."""
        extra = {**self._settings.extra, **values}
        self.update_settings(replace(self._settings, extra=extra))

    @property
    def accounts(self) -> tuple[AccountRecord, ...]:
        """Every stored login, in the order they were added."""
        return self._settings.accounts

    @property
    def uses_environment_key(self) -> bool:
        """Whether MOCO_API_KEY decides the account (stored logins are then not switchable)."""
        return bool(self._env.get("MOCO_API_KEY", "").strip())

    @property
    def rate_limit_plan(self) -> RateLimitPlan:
        """The client-side request budget: `MOCO_RATE_LIMIT` (a plan name or `N/SECONDS`),
        else Settings, else the strictest documented figure (15 per 15 s)."""
        override = self._env.get("MOCO_RATE_LIMIT", "").strip().lower()
        if override:
            return parse_rate_limit_plan(override)
        return PLANS.get(self._settings.rate_limit_plan, RateLimitPlan.STANDARD_SEED)

    def base_url_for(self, domain: str | None) -> str:
        """The API base URL for a domain (or MOCO_BASE_URL); raises a clear error otherwise."""
        domain = domain or self._env.get("MOCO_DOMAIN") or None
        if not domain and not self._env.get("MOCO_BASE_URL"):
            raise AccountError("account.domain_missing")
        return resolve_base_url(domain, self._env)

    def client(self, account: ActiveAccount, acting_user_id: int | None = None) -> MocoClient:
        record = account.record
        if account.api_key is not None:
            client = self._client_factory(record.base_url, account.api_key, self.rate_limit_plan)
        else:
            # The key comes from the keyring when the first request needs it, in a worker
            # thread, and with it the key's limiter (shared with every other client of the key).
            plan = self.rate_limit_plan
            client = MocoClient(
                record.base_url,
                key_loader=lambda: self.stored_key(record.account_id),
                limiter_for_key=lambda key: key_limiter(record.base_url, key, plan),
            )
        return client.acting_as(acting_user_id) if acting_user_id is not None else client

    # -- login / logout ---------------------------------------------------------------------
    async def login_with_password(
        self, domain: str | None, email: str, password: str
    ) -> LoginOutcome:
        email = email.strip()
        if not email or not password:
            raise AccountError("account.empty_credentials")
        base_url = self.base_url_for(domain)
        anonymous = self._client_factory(base_url, None, self.rate_limit_plan)
        try:
            login = await anonymous.login(email, password)
        finally:
            await anonymous.aclose()
        return await self._complete_login(domain, base_url, login.api_key, email)

    async def login_with_api_key(self, domain: str | None, api_key: str) -> LoginOutcome:
        base_url = self.base_url_for(domain)
        return await self._complete_login(domain, base_url, ApiKey(api_key), "")

    async def _complete_login(
        self, domain: str | None, base_url: str, key: ApiKey, email: str
    ) -> LoginOutcome:
        client = self._client_factory(base_url, key, self.rate_limit_plan)
        try:
            session = await client.session()
            profile = await client.profile()
        finally:
            await client.aclose()
        record = AccountRecord(
            account_id=account_id_for(base_url, session.user_id),
            domain=self._display_domain(domain, base_url),
            base_url=base_url,
            user_id=session.user_id,
            email=email or profile.email,
            display_name=profile.full_name,
        )
        storage = self._credentials.save(record.account_id, key)
        self.update_settings(self._settings.with_account(record))
        return LoginOutcome(ActiveAccount(record, key, KeyCheck(profile)), profile, storage)

    def logout(self, account_id: str | None = None) -> AccountRecord | None:
        """Remove the key and the cached data of an account (default: the active one)."""
        record = self._settings.account(account_id or self._settings.active_account_id)
        if record is None:
            return None
        self._credentials.delete(record.account_id)
        if self._forget_account_data is not None:
            self._forget_account_data(record.account_id)
        self.update_settings(self._settings.without_account(record.account_id))
        return record

    def switch_to(self, account_id: str) -> AccountRecord:
        record = self._settings.account(account_id)
        if record is None:
            raise NotLoggedInError("account.not_logged_in")
        self.update_settings(replace(self._settings, active_account_id=account_id))
        return record

    # -- the active account -----------------------------------------------------------------
    async def stored_key(self, account_id: str) -> ApiKey | None:
        """The login's key as the keyring has it, read in a worker thread (off the event loop),
        once for everyone who asks while it is being read."""
        reading = self._key_reads.get(account_id)
        if reading is None:
            reading = asyncio.ensure_future(asyncio.to_thread(self._credentials.load, account_id))
            self._key_reads[account_id] = reading
            reading.add_done_callback(lambda _done: self._key_reads.pop(account_id, None))
        return await asyncio.shield(reading)

    async def active(self, *, key_later: bool = False) -> ActiveAccount:
        """The account to work with: MOCO_API_KEY if set, else the stored active login.
        `key_later`: do not wait for the keyring (perf, issue 4: importing it, finding its
        backend and asking it takes 120-140 ms with GNOME Keyring, before the window could be
        painted from the cache); the client reads the key when its first request needs it and
        fails with MissingApiKeyError if there is none."""
        env_key = self._env.get("MOCO_API_KEY", "").strip()
        if env_key:
            return await self._account_from_environment(ApiKey(env_key))
        record = self._settings.active_account
        if record is None:
            raise NotLoggedInError("account.not_logged_in")
        if key_later:
            return ActiveAccount(record, self._credentials.loaded(record.account_id))
        key = self._credentials.load(record.account_id)
        if key is None:
            raise NotLoggedInError("account.key_missing", account=record.domain)
        return ActiveAccount(record, key)

    async def _account_from_environment(self, key: ApiKey) -> ActiveAccount:
        """The account of `MOCO_API_KEY`: asked from MOCO once, then remembered (by a hash of
        the key, never the key) so the CLI also works offline with it."""
        stored = self._settings.active_account
        domain = self._env.get("MOCO_DOMAIN") or (stored.domain if stored else None)
        base_url = self.base_url_for(domain)
        if (
            stored is not None
            and stored.base_url == base_url
            and self._credentials.load(stored.account_id) == key
        ):
            return ActiveAccount(stored, key)
        remembered_key = f"{base_url}|{key.fingerprint()}"
        known: dict[str, dict[str, object]] = dict(self._settings.extra.get(_KEY_IDENTITIES, {}))
        if remembered_key in known:
            try:
                return ActiveAccount(AccountRecord(**known[remembered_key]), key)  # type: ignore[arg-type]
            except TypeError:
                known.pop(remembered_key)
        client = self._client_factory(base_url, key, self.rate_limit_plan)
        try:
            session = await client.session()
            profile = await client.profile()
        finally:
            await client.aclose()
        record = AccountRecord(
            account_id=account_id_for(base_url, session.user_id),
            domain=self._display_domain(domain, base_url),
            base_url=base_url,
            user_id=session.user_id,
            email=profile.email,
            display_name=profile.full_name,
        )
        known[remembered_key] = asdict(record)
        extra = {**self._settings.extra, _KEY_IDENTITIES: known}
        self.update_settings(replace(self._settings, extra=extra))
        return ActiveAccount(record, key, KeyCheck(profile))

    @staticmethod
    def _display_domain(domain: str | None, base_url: str) -> str:
        if domain:
            try:
                return normalize_domain(domain)
            except InvalidDomainError:
                pass
        return urlsplit(base_url).netloc
