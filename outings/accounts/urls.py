from django.urls import path

from outings.accounts import views

app_name = "accounts"

urlpatterns = [
    path("api-tokens/", views.api_tokens, name="api_tokens"),
    path("api-tokens/revoke-all/", views.revoke_all_api_tokens, name="revoke_all_api_tokens"),
    path("api-tokens/<int:token_id>/revoke/", views.revoke_api_token, name="revoke_api_token"),
]
