package dev.vigil.cli;

/** Placeholder: the vigil command line. */
public final class Main {
    public static void main(String[] args) {
        System.out.println("vigil");
    }
}
