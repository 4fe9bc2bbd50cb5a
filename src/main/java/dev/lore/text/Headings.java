package dev.lore.text;

/** How a chunk's place in its document reads: its title and heading path, without the title twice. */
public final class Headings {

    private Headings() {
    }

    /**
     * "Title > Section > Subsection"; a heading path that starts with the title (a page whose first heading is its
     * title) does not repeat it, and blank parts are left out.
     */
    public static String trail(String title, String headingPath) {
        String head = title == null ? "" : title.strip();
        String path = headingPath == null ? "" : headingPath.strip();
        if (!head.isEmpty() && (path.equalsIgnoreCase(head) || path.regionMatches(true, 0, head + " > ", 0,
                head.length() + 3))) {
            path = path.length() == head.length() ? "" : path.substring(head.length() + 3);
        }
        if (head.isEmpty()) {
            return path;
        }
        return path.isEmpty() ? head : head + " > " + path;
    }
}
