"""The caller's own account: profile and personal API tokens."""

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Query, Router
from ninja.errors import AuthenticationError
from ninja.params import HeaderEx, P

from outings.accounts import selectors as account_selectors
from outings.accounts import services as account_services
from outings.accounts.models import ApiToken, User
from outings.accounts.requests import recently_reauthenticated
from outings.api import idempotency
from outings.api.auth import AUTHENTICATED, api_token_of, caller
from outings.api.caching import (
    PreconditionFailed,
    cacheable,
    if_match_values,
    if_none_match_values,
    not_modified,
    set_no_store,
    with_none_match,
)
from outings.api.errors import responses
from outings.api.pagination import Page, Paged, PageParams, paginate
from outings.api.params import Id, IdempotencyKey
from outings.api.schemas import MeOut, MePatch, NoBody, TokenCreatedOut, TokenIn, TokenOut

router = Router(tags=["me"], auth=AUTHENTICATED)

IfMatch = HeaderEx[
    str | None,
    P(
        alias="If-Match",
        max_length=1000,
        description="The ETag of GET /me: the update is refused with 412 if the profile changed.",
    ),
]


@router.get("/me", response={200: MeOut, 304: None, **responses(400, 401, 429)})
def get_me(request: HttpRequest, response: HttpResponse) -> User | HttpResponse:
    """The caller's profile."""
    user = caller(request)
    etag = _profile_etag(user)
    return not_modified(request, etag) or cacheable(request, response, etag, user)


@router.patch("/me", response={200: MeOut, **responses(400, 401, 403, 412, 429)})
def update_me(
    request: HttpRequest,
    response: HttpResponse,
    payload: MePatch,
    if_match: IfMatch = None,
) -> User:
    """Change the caller's name, language or time zone. Send If-Match with the ETag of
    GET /me to be sure nobody changed the profile in between."""
    language, zone = payload.preferred_language, payload.time_zone
    try:
        user = account_services.update_profile(
            user_id=caller(request).pk,
            first_name=payload.first_name,
            last_name=payload.last_name,
            preferred_language=None if language is None else language.value,
            time_zone=None if zone is None else zone.value,
            expected_versions=with_none_match(
                if_match_values(request), if_none_match_values(request)
            ),
        )
    except account_services.ProfileConflict as conflict:
        raise PreconditionFailed() from conflict  # the version came in If-Match
    return cacheable(request, response, _profile_etag(user), user)


@router.get("/me/tokens", response={200: Paged[TokenOut], **responses(400, 401, 429)})
def list_tokens(
    request: HttpRequest, response: HttpResponse, page: Query[PageParams]
) -> Page[ApiToken]:
    """The caller's active tokens, newest first. Secrets are never shown again."""
    set_no_store(response)
    return paginate(
        account_selectors.active_api_tokens(user=caller(request)),
        ordering=("-id",),
        cursor=page.cursor,
        limit=page.limit,
        namespace=f"tokens:{caller(request).pk}",
    )


@router.post(
    "/me/tokens",
    response={201: TokenCreatedOut, **responses(400, 401, 403, 409, 422, 429)},
)
def create_token(
    request: HttpRequest,
    payload: TokenIn,
    idempotency_key: IdempotencyKey = None,
) -> HttpResponse:
    """Create a personal API token. The secret is in this response only. With the session,
    only after the password was given within ACCOUNT_REAUTHENTICATION_TIMEOUT (allauth's, five
    minutes unless set; 403 reauthentication_required, its message naming the window; ADR 0011);
    a token may create tokens as before, while it is active: one revoked meanwhile (Revoke all
    tokens) creates nothing, a 401."""
    if api_token_of(request) is None and not recently_reauthenticated(request):
        user = caller(request)
        raise account_services.ReauthenticationRequired(has_password=user.has_usable_password())

    def mint() -> account_services.IssuedToken:
        try:
            return account_services.create_api_token(
                user=caller(request), name=payload.name, minted_with=api_token_of(request)
            )
        except account_services.MintingTokenRevoked as revoked:
            # The 401 of a revoked token (WWW-Authenticate, counted as a guess), not a rule
            # violation recorded for the key: the request was not authorised after all.
            raise AuthenticationError(message=revoked.message) from revoked

    return idempotency.respond(
        request, key=idempotency_key, status=201, schema=TokenCreatedOut, action=mint
    )


@router.delete("/me/tokens/{token_id}", response={204: None, **responses(400, 401, 403, 404, 429)})
def revoke_token(request: HttpRequest, token_id: Id, payload: NoBody = None) -> HttpResponse:
    """Revoke one of the caller's tokens; it stops working at once."""
    account_services.revoke_api_token(user=caller(request), token_id=token_id, now=timezone.now())
    response = HttpResponse(status=204)
    del response["Content-Type"]  # no body, so no media type
    return response


def _profile_etag(user: User) -> str:
    # The quoted version itself, so that If-Match values compare with profile_version directly.
    return f'"{account_selectors.profile_version(user=user)}"'
