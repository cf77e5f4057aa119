from django.contrib.auth.views import LoginView
from django.urls import path

from . import feeds, views

app_name = "sources"
urlpatterns = [
    path("data-sources/", views.data_sources, name="data-sources"),
    path("whats-new/", views.whats_new, name="whats-new"),
    path("alerts/", views.alerts_page, name="alerts"),
    path("alerts/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path(
        "accounts/login/",
        LoginView.as_view(template_name="sources/login.html"),
        name="login",
    ),
    path("feeds/funds/", feeds.FundsFeed(), name="feed-funds"),
    path("feeds/funds/<slug:slug>/runs/", feeds.FundRunsFeed(), name="feed-fund-runs"),
    path("feeds/ae/", feeds.AEMonthsFeed(), name="feed-ae"),
    path("feeds/signals/trust/<str:code>/", feeds.TrustSignalsFeed(), name="feed-trust-signals"),
    path(
        "feeds/signals/region/<str:region>/",
        feeds.RegionSignalsFeed(),
        name="feed-region-signals",
    ),
]
