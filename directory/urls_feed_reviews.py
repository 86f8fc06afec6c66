from django.urls import path

from . import feed_review_views, merge_views

app_name = "feed_reviews"

urlpatterns = [
    path("feeds/reviews/", feed_review_views.review_queue, name="queue"),
    path("feeds/reviews/<int:review_id>/", feed_review_views.review_item, name="item"),
    path("feeds/merge/", merge_views.merge_start, name="merge"),
    path("feeds/merges/", merge_views.merge_list, name="merges"),
    path("feeds/merges/<int:merge_id>/undo/", merge_views.merge_undo, name="undo"),
]
