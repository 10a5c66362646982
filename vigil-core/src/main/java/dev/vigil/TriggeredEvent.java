package dev.vigil;

/**
 * One descriptor reported ready by {@link WaitContext#await()}.
 *
 * @param token      the token the descriptor was added (or last modified) with
 * @param isReadable data can be read without blocking ({@code EPOLLIN})
 * @param isWritable data can be written without blocking ({@code EPOLLOUT})
 * @param isHungup   the peer hung up or the descriptor is in error: a pipe whose other end
 *                   closed, a socket whose peer closed or shut down writing
 *                   ({@code EPOLLHUP}, {@code EPOLLRDHUP} or {@code EPOLLERR}); reported whatever
 *                   the {@link EventType}, so a loop that waits only to read still sees it.
 *                   Priority data ({@code EPOLLPRI}) is not waited for: reading ordinary
 *                   data would not clear it, and a level-triggered wait would report it forever.
 */
public record TriggeredEvent<T>(T token, boolean isReadable, boolean isWritable, boolean isHungup) {
}
