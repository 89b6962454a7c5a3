"""The media_pipeline app owns lectures.

Uploads, probing, the transcoded ladder, renditions and their serving.
"""
