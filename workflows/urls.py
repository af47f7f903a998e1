from django.urls import path

from . import candidate_views, founding_views, views

app_name = "workflows"
urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/filters/", views.inbox_save_filter, name="save_filter"),
    path("inbox/filters/<id:pk>/delete/", views.inbox_delete_filter, name="delete_filter"),
    path("queue/", views.queue, name="queue"),
    path("queue/claim/", views.queue_claim, name="claim"),
    path("team/", views.team, name="team"),
    path("team/reassign/", views.team_reassign, name="reassign"),
    path("tasks/<id:pk>/", views.task_detail, name="task"),
    path("tasks/<id:pk>/follow-up/", views.task_follow_up, name="follow_up"),
    path("substitute/", views.substitute, name="substitute"),
    path("substitute/<id:pk>/end/", views.substitute_end, name="substitute_end"),
    path("cases/<id:pk>/diagram.svg", views.case_diagram, name="case_diagram"),
    path("candidates/", candidate_views.candidate_list, name="candidates"),
    path("candidates/<id:pk>/", candidate_views.candidate_detail, name="candidate"),
    path("candidates/<id:pk>/stop/", candidate_views.candidate_stop, name="candidate_stop"),
    path("enterprises/<id:enterprise_pk>/candidates/new/", candidate_views.candidate_new, name="candidate_new"),
    path("mass-organizations/establishments/<id:pk>/", founding_views.founding_detail, name="founding"),
    path("mass-organizations/establishments/<id:pk>/close/", founding_views.founding_close, name="founding_close"),
    path(
        "enterprises/<id:enterprise_pk>/mass-organizations/establish/",
        founding_views.founding_new,
        name="founding_new",
    ),
]
