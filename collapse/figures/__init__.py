"""Per paper, the numbers behind each figure (``*_data``) and its drawing (``*_plot``)."""
