from django.urls import path

from . import views

app_name = "dashboards"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("league/", views.league, name="league"),
    path("funds/", views.funds, name="funds"),
    path("funds/<slug:slug>/", views.fund_detail, name="fund"),
    path("performance/", views.performance, name="performance"),
    path("trusts/", views.trusts, name="trusts"),
    path("trusts/<str:code>/", views.trust_detail, name="trust"),
    path("spending/", views.spending, name="spending"),
    path("glossary/", views.glossary, name="glossary"),
]
