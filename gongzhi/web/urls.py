from django.contrib.auth import views as auth_views
from django.urls import path

from . import views
from .forms import LoginForm
from .views import resident

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="web/login.html", authentication_form=LoginForm,
                                     redirect_authenticated_user=True),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read-all/", views.inbox_read_all, name="inbox_read_all"),
    path("cases/<int:case_id>/", views.case_link, name="case_link"),
    # Resident (H5)
    path("r/", resident.my_cases, name="resident_cases"),
    path("r/new/", resident.report, name="resident_new"),
    path("r/cases/<int:case_id>/", resident.case_detail, name="resident_case"),
]
